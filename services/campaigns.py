"""Campaigns: one message to many rooms, one ``kb_schedule`` row per room (so the PHP site,
the logs and the room limits see each room) tied together by ``kbot_schedule_meta.campaign_id``
and a ``kbot_campaigns`` row.

A campaign is created in one transaction: every room is resolved and permission-checked first
(``services.target_rooms``: all or none), the text is checked as a template for every room
(``services.message_text``), then the rows are written in bulk. ``분산:`` spreads the rows'
times evenly over a window after the set time, in the rooms' stable order (by name, then
chat id), so hundreds of rooms do not reach one device in the same second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_local_naive
from services import schedule_checks as checks
from services.errors import Invalid
from services.message_text import check_text, resolve_template
from services.permissions import Operation, Standing, standing_of, visible
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.target_rooms import Place, resolve
from storage import audit
from storage.kbot_models import Admin, Campaign, Org, ScheduleMeta
from storage.models import Schedule

DAY_S = 24 * 3600


def campaign_label(campaign_id: int) -> str:
    """How people see a campaign id: ``C12`` (a schedule is ``#12``)."""
    return f"C{campaign_id}"


@dataclass(frozen=True, slots=True)
class CampaignSaved:
    """A campaign as a create or an edit left it: its rows in spread order, with their
    rooms; on an edit that gave ``방:``, the rooms added and removed."""

    campaign: Campaign
    rows: list[Schedule]
    places: list[Place]
    added: list[str] = field(default_factory=list)  # room names
    removed: list[str] = field(default_factory=list)  # room names


def spread_times(base: time, spread_s: int, count: int) -> list[time]:
    """``count`` times from ``base`` evenly over ``spread_s`` seconds (the first at ``base``,
    whole seconds); ``Invalid`` on ``spread_s`` when the window would cross midnight."""
    start = base.hour * 3600 + base.minute * 60 + base.second
    if spread_s and start + spread_s >= DAY_S:
        raise Invalid(
            "spread_s",
            "분산 구간이 자정을 넘습니다. 시간을 앞당기거나 분산을 줄여 주세요.",
        )
    step = spread_s / count if count else 0
    return [_time_of(start + int(index * step)) for index in range(count)]


def _time_of(seconds: int) -> time:
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


class CampaignService:
    """Campaign operations; built by ``ScheduleService`` on its own dependencies (it is
    ``ScheduleService.campaigns``)."""

    def __init__(self, deps: ScheduleDeps) -> None:
        self._d = deps

    async def create(
        self,
        form: ScheduleForm,
        actor: Admin,
        *,
        current_room_id: str,
        standing: Standing | None = None,
    ) -> CampaignSaved:
        """A campaign over ``form.room`` (several rooms and/or an org): all rows or none."""
        checks.check_required(form)
        targets = form.room
        assert targets is not None
        d = self._d
        now = d.clock.now()
        now_local = to_local_naive(now, d.tz)
        async with d.sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            form = await resolve_template(s, form, actor, prefix=d.prefix)
            places = await resolve(s, standing, targets, Operation.CREATE)
            org = await s.get(Org, actor.org_id)
            assert org is not None  # kbot_admins.org_id is a foreign key
            check_text(form.message_text, _scenes(places), d.limits)
            images = None
            if form.image_ids is not None:
                images = await checks.images_json(s, form.image_ids, visible(standing), d.limits)
            target_org = None
            if targets.org is not None:
                target_org = await _org_id(s, targets.org)
            assert form.schedule_time is not None  # check_required
            campaign = Campaign(
                title=(form.title or "")[:255],
                owner_org_id=org.id,
                creator_admin_id=actor.id,
                target_org_id=target_org,
                spread_s=form.spread_s or 0,
                base_time=form.schedule_time,
                created_at=now.replace(tzinfo=None, microsecond=0),
            )
            s.add(campaign)
            await s.flush()
            times = spread_times(form.schedule_time, campaign.spread_s, len(places))
            rows = [
                self._new_row(form, org, actor, place, at, images, now_local)
                for place, at in zip(places, times, strict=True)
            ]
            s.add_all(rows)
            await s.flush()
            s.add_all(
                ScheduleMeta(
                    schedule_id=row.id,
                    creator_admin_id=actor.id,
                    notify_room_id=current_room_id,
                    campaign_id=campaign.id,
                )
                for row in rows
            )
            for row in rows:
                d.audit(s, actor, "create", row.id, None, audit.snapshot(row))
        d.scheduler.wake()
        return CampaignSaved(campaign, rows, places)

    def _new_row(
        self,
        form: ScheduleForm,
        org: Org,
        actor: Admin,
        place: Place,
        at: time,
        images: dict[str, object] | None,
        now_local: datetime,
    ) -> Schedule:
        row = Schedule(
            created_by_type=org.type,
            created_by_id=org.code,
            created_by_mb_id=(actor.mb_id or actor.kakao_user_id)[:50],
            target_room_id=place.room.chat_id,
            target_room_type=place.room.room_type,
            send_order="text_first",
            send_interval_seconds=1,
            status="active",
            send_count=0,
            last_sent_at=None,
        )
        checks.apply(row, form, now_local=now_local)
        row.schedule_time = at
        row.updated_at = now_local.replace(microsecond=0)
        row.created_at = row.updated_at
        row.message_images = images
        checks.check_row(row, now_local=now_local, limits=self._d.limits)
        next_send = self._d.next_send(row)
        row.next_send_at = next_send if row.status == "active" else None
        return row


def _scenes(places: Sequence[Place]) -> list[tuple[str, str]]:
    return [(place.org_name, place.room.name) for place in places]


async def _org_id(session: AsyncSession, code: str) -> int | None:
    return await session.scalar(select(Org.id).where(Org.code == code))
