"""A campaign's rounds for the live notices (see ``scheduler.notices`` for the definition):
which round a row's send belongs to, and the round's summary once it is done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.notice_texts import Result, campaign_text, result_of
from storage.kbot_models import Campaign, Room, ScheduleMeta
from storage.models import Schedule

GIVE_UP_S = 3600  # after the round's last slot, rooms without a result are named as such
DAY_S = 86400


class RowLog(NamedTuple):
    """A send log row of a schedule whose ``알림`` is 'all', with what a notice needs."""

    log_id: int
    schedule_id: int
    target_room_id: str
    status: str
    error_message: str | None
    api_response: Any
    scheduled_at: datetime  # naive local
    kind: str
    campaign_id: int | None
    notify_room_id: str | None
    title: str | None
    schedule_status: str | None
    schedule_time: time | None
    room_name: str | None


@dataclass
class Round:
    campaign_id: int
    base: datetime  # naive local: the round's base time
    spread_s: int
    title: str
    notify_room_id: str | None
    results: dict[int, Result | None] = field(default_factory=dict)  # schedule id -> result

    @property
    def key(self) -> str:
        return f"campaign:{self.campaign_id}:{self.base:%Y%m%d%H%M%S}"


def _seconds(at: time | None) -> int:
    return 0 if at is None else at.hour * 3600 + at.minute * 60 + at.second


def offset_of(row_time: time | None, campaign: Campaign) -> int:
    """How far ``분산:`` put a row's time after the campaign's base time (0 when the stored
    values do not fit the spread: they are input)."""
    spread = max(0, campaign.spread_s or 0)
    if campaign.base_time is None or row_time is None:
        return 0
    offset = (_seconds(row_time) - _seconds(campaign.base_time)) % DAY_S
    return offset if offset <= spread else 0


async def rounds_of(session: AsyncSession, rows: list[RowLog]) -> list[Round]:
    """The rounds the campaign rows' sends belong to, with each row's result in it."""
    ids = {row.campaign_id for row in rows if row.campaign_id is not None}
    if not ids:
        return []
    campaigns = {
        c.id: c for c in await session.scalars(select(Campaign).where(Campaign.id.in_(ids)))
    }
    found: dict[tuple[int, datetime], Round] = {}
    for row in sorted(rows, key=lambda r: r.log_id):
        campaign = campaigns.get(row.campaign_id or 0)
        if campaign is None:
            continue
        base = row.scheduled_at - timedelta(seconds=offset_of(row.schedule_time, campaign))
        rnd = found.get((campaign.id, base))
        if rnd is None:
            spread = max(0, campaign.spread_s or 0)
            rnd = Round(campaign.id, base, spread, campaign.title, row.notify_room_id)
            found[(campaign.id, base)] = rnd
        rnd.notify_room_id = rnd.notify_room_id or row.notify_room_id
        rnd.results[row.schedule_id] = result_of(row.status, row.error_message, row.api_response)
    return list(found.values())


async def summary_of(session: AsyncSession, rnd: Round, now: datetime) -> str | None:
    """The round's summary when it is done (naive local ``now``), else None."""
    rooms = await session.execute(
        select(Schedule.id, Schedule.target_room_id, Room.name)
        .join(ScheduleMeta, ScheduleMeta.schedule_id == Schedule.id)
        .outerjoin(Room, Room.chat_id == Schedule.target_room_id)
        .where(ScheduleMeta.campaign_id == rnd.campaign_id)
    )
    named = {sid: name or chat for sid, chat, name in rooms.all()}
    expected = set(named) | set(rnd.results)
    given_up = now >= rnd.base + timedelta(seconds=rnd.spread_s + GIVE_UP_S)
    if not given_up and any(rnd.results.get(sid) is None for sid in expected):
        return None
    results: list[tuple[str, Result]] = []
    for sid in sorted(expected):
        result = rnd.results.get(sid, "none") if sid in rnd.results else "none"
        results.append((named.get(sid, f"#{sid}"), result or "unconfirmed"))
    return campaign_text(rnd.campaign_id, rnd.title, results)
