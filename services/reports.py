"""Reports (issue 19): what each schedule and campaign achieved over a date window, for the
REST API's ``GET /api/reports`` (JSON and CSV), the ``/reports`` page, the chat's ``!리포트``
and the weekly digest. THE definitions of the numbers (docs/architecture.md points here):

- the rows: ``kb_schedule_logs`` of kind scheduled or manual (test sends left out) whose local
  ``scheduled_at`` falls on the window's days, visible to the actor (``services.logs``), and
  when an org is asked for, also visible to that org's subtree;
- missed: ``error_message`` starts with ``"skipped: "``; sends: every other row; success:
  status success; failed: the rest of the sends (failed and partial);
- confirmed / unconfirmed / pending: ``storage.send_record.confirmation_of`` of the sends
  (a NULL or garbage ``api_response`` is neither);
- lateness of a sent row (success or partial): started - scheduled in seconds, floored at 0;
  on_time_rate: the share of sent rows within 60 s (None without sent rows); p50 / p95:
  nearest-rank percentiles;
- replies: ``kbot_replies`` rows tied to the window's rows;
- activity: per sent row, the room's messages in the UTC hour of the send and the next
  (``activity_after``) against the mean of the same two hours 1..4 weeks earlier
  (``activity_baseline``); weeks before the room's first counted hour are left out of the
  mean, and a row whose room was not counted before the send is left out of both sums;
- clicks: ``kbot_link_clicks`` on the schedule's links for the room, each given to the
  latest sent row of that schedule to that room at or before the click, within 7 days;
- a campaign: the rows whose schedules share ``kbot_schedule_meta.campaign_id``; its rooms:
  the distinct rooms its rows went to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.logs import DateWindow
from services.report_activity import room_activity
from services.report_math import (
    SENT_STATUSES,
    Numbers,
    RowFact,
    activity_of,
    confirmation_text,
    hour_of,
    is_missed,
    lateness_s,
    tally,
)
from services.report_queries import (
    Labels,
    LogFacts,
    clicks_by_log,
    read_labels,
    read_rows,
    replies_by_log,
    utc_of,
    window_rows,
)
from storage.orgs import subtree_ids

DEFAULT_TZ = ZoneInfo("Asia/Seoul")  # core.config's default timezone


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomReport(Numbers):
    """One room of a campaign (the charts' bars)."""

    room_id: str
    room_name: str | None  # None: not registered


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleReport(Numbers):
    schedule_id: int
    campaign_id: int | None
    title: str | None  # None: the schedule was deleted
    target_room_id: str
    room_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignReport(Numbers):
    campaign_id: int
    title: str | None
    rooms: int
    room_rows: list[RoomReport]  # per room, in room-name order

    def worst_rooms(self, n: int = 3) -> list[RoomReport]:
        """The rooms with failed, missed or unconfirmed sends, worst first."""
        bad = [r for r in self.room_rows if r.failed + r.missed + r.unconfirmed]
        return sorted(bad, key=lambda r: (-(r.failed + r.missed), -r.unconfirmed, r.room_id))[:n]


@dataclass(frozen=True, slots=True)
class Report:
    window: DateWindow
    schedules: list[ScheduleReport]
    campaigns: list[CampaignReport]


async def build_report(
    session: AsyncSession,
    org_ids: set[int] | None,
    window: DateWindow,
    *,
    org_id: int | None = None,
    schedule_ids: Sequence[int] | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Report:
    """The report of the rows ``org_ids`` (``services.permissions.visible_org_ids``) sees in
    ``window``, within ``org_id``'s subtree and of ``schedule_ids`` when given. ``tz`` is the
    configured timezone (the log's times are local, kbot's engagement tables UTC)."""
    subtree = await subtree_ids(session, org_id) if org_id is not None else None
    ids = window_rows(org_ids, window, subtree, schedule_ids)
    rows = await read_rows(session, ids)
    if not rows:
        return Report(window, [], [])
    labels = await read_labels(session, rows)
    replies = await replies_by_log(session, ids)
    sent = [r for r in rows if r.status in SENT_STATUSES and not is_missed(r.error_message)]
    hours = {r.log_id: hour_of(utc_of(r.started_at, tz)) for r in sent}
    counts, first = await room_activity(session, ((r.room_id, hours[r.log_id]) for r in sent))
    clicks = await clicks_by_log(session, rows, window, tz)
    facts = {r.log_id: _fact(r, replies, clicks, counts, first, hours) for r in rows}
    return Report(window, _schedules(rows, facts, labels), _campaigns(rows, facts, labels))


def _fact(
    row: LogFacts,
    replies: dict[int, int],
    clicks: dict[int, int],
    counts: dict[str, dict[Any, int]],
    first: dict[str, Any],
    hours: dict[int, datetime],
) -> RowFact:
    missed = is_missed(row.error_message)
    sent = row.status in SENT_STATUSES and not missed
    activity = None
    if sent:
        activity = activity_of(
            hours[row.log_id], counts.get(row.room_id, {}), first.get(row.room_id)
        )
    return RowFact(
        log_id=row.log_id,
        schedule_id=row.schedule_id,
        room_id=row.room_id,
        status=row.status,
        missed=missed,
        confirmation=confirmation_text(row.api_response) if not missed else "unknown",
        lateness_s=lateness_s(row.scheduled_at, row.started_at) if sent else None,
        replies=replies.get(row.log_id, 0),
        clicks=clicks.get(row.log_id, 0),
        activity=activity,
    )


def _schedules(
    rows: list[LogFacts], facts: dict[int, RowFact], labels: Labels
) -> list[ScheduleReport]:
    by_schedule: dict[int, list[LogFacts]] = defaultdict(list)
    for row in rows:
        by_schedule[row.schedule_id].append(row)
    found: list[ScheduleReport] = []
    for schedule_id in sorted(by_schedule):
        group = by_schedule[schedule_id]
        title, target = labels.schedules.get(schedule_id, (None, None))
        room = target or group[-1].room_id
        campaign_id, _ = labels.campaigns.get(schedule_id, (None, None))
        found.append(
            ScheduleReport(
                schedule_id=schedule_id,
                campaign_id=campaign_id,
                title=title,
                target_room_id=room,
                # the room's name only when a row went there (a schedule moved elsewhere)
                room_name=labels.room_names.get(room)
                if any(r.room_id == room for r in group)
                else None,
                **tally(facts[r.log_id] for r in group),
            )
        )
    return found


def _campaigns(
    rows: list[LogFacts], facts: dict[int, RowFact], labels: Labels
) -> list[CampaignReport]:
    by_campaign: dict[int, list[LogFacts]] = defaultdict(list)
    titles: dict[int, str | None] = {}
    for row in rows:
        campaign = labels.campaigns.get(row.schedule_id)
        if campaign is not None:
            by_campaign[campaign[0]].append(row)
            titles[campaign[0]] = titles.get(campaign[0]) or campaign[1] or None
    found: list[CampaignReport] = []
    for campaign_id in sorted(by_campaign):
        group = by_campaign[campaign_id]
        by_room: dict[str, list[LogFacts]] = defaultdict(list)
        for row in group:
            by_room[row.room_id].append(row)
        room_rows = [
            RoomReport(
                room_id=room,
                room_name=labels.room_names.get(room),
                **tally(facts[r.log_id] for r in in_room),
            )
            for room, in_room in by_room.items()
        ]
        room_rows.sort(key=lambda r: (r.room_name or "\uffff", r.room_id))
        found.append(
            CampaignReport(
                campaign_id=campaign_id,
                title=titles[campaign_id],
                rooms=len(by_room),
                room_rows=room_rows,
                **tally(facts[r.log_id] for r in group),
            )
        )
    return found
