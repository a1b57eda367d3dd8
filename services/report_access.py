"""The report of one schedule or one campaign for an actor who may VIEW it (the chat's
``!리포트``): the permission check of ``services.schedule_queries`` / ``services.campaign_rows``
first (one the actor may not see is "not found"), then ``services.reports.build_report`` over
its rows as the actor sees them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services import campaign_rows, schedule_queries
from services.logs import DateWindow
from services.permissions import Operation, Standing, standing_of, visible
from services.reports import CampaignReport, ScheduleReport, build_report
from storage.engine import ReadSessions
from storage.kbot_models import Admin


async def schedule_report(
    sessions: ReadSessions,
    schedule_id: int,
    actor: Admin,
    window: DateWindow,
    *,
    tz: ZoneInfo,
    standing: Standing | None = None,
) -> tuple[str, ScheduleReport | None]:
    """The schedule's title and its report (None: no counted row in the window)."""
    async with sessions() as s:
        standing = await standing_of(s, actor, standing)
        found = await schedule_queries.load(s, schedule_id, standing, Operation.VIEW)
        report = await build_report(s, visible(standing), window, schedule_ids=[schedule_id], tz=tz)
    return found.schedule.title, next(iter(report.schedules), None)


async def campaign_report(
    sessions: ReadSessions,
    campaign_id: int,
    actor: Admin,
    window: DateWindow,
    *,
    tz: ZoneInfo,
    standing: Standing | None = None,
) -> tuple[str, CampaignReport | None]:
    """The campaign's title and its report (None: no counted row in the window)."""
    async with sessions() as s:
        standing = await standing_of(s, actor, standing)
        view = await campaign_rows.load(s, campaign_id, standing, Operation.VIEW)
        ids = [row.id for row, _ in view.rows]
        report = await build_report(s, visible(standing), window, schedule_ids=ids, tz=tz)
    found = [c for c in report.campaigns if c.campaign_id == campaign_id]
    return view.campaign.title, next(iter(found), None)
