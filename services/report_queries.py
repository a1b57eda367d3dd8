"""The reads behind a report (``services.reports``): the window's log rows with their schedule,
campaign and room, and per row the replies, the room's hourly activity and the link clicks.
Each is one grouped query (or a few chunked ``IN`` lists), never one per row."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Text, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import from_local_naive, from_utc_naive, to_local_naive, to_utc_naive
from services.logs import DateWindow, LogFilter, TargetRoom, matching, visible_to
from services.report_math import SENT_STATUSES, hour_plan
from storage.engagement_models import LinkClick, Reply, RoomActivity, ShortLink
from storage.kbot_models import Campaign, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from storage.send_kinds import COUNTED

CLICK_DAYS = 7  # a click counts for the latest send to its room at most this long before it
CHUNK = 500  # values per IN list


@dataclass(frozen=True, slots=True)
class LogFacts:
    """One window row as read (``api_response`` as raw text: it is input)."""

    log_id: int
    schedule_id: int
    room_id: str
    status: str
    error_message: str | None
    api_response: str | None
    scheduled_at: datetime
    started_at: datetime
    title: str | None  # None: the schedule is gone
    schedule_room_id: str | None
    room_name: str | None
    campaign_id: int | None
    campaign_title: str | None


def window_rows(
    org_ids: set[int] | None,
    window: DateWindow,
    org_subtree: set[int] | None,
    schedule_ids: Sequence[int] | None,
) -> Select[int]:
    """The ids of the window's counted rows the actor sees (within ``org_subtree``)."""
    where = LogFilter(
        kinds=COUNTED,
        window=window,
        schedule_ids=tuple(schedule_ids) if schedule_ids is not None else None,
    )
    query = matching(select(ScheduleLog.id), org_ids, where)
    if org_subtree is not None:
        query = query.where(visible_to(org_subtree))
    return query


async def read_rows(session: AsyncSession, ids: Select[int]) -> list[LogFacts]:
    """The rows ``ids`` selects (a ``window_rows`` query), with what a report shows of them."""
    query = (
        ids.add_columns(
            ScheduleLog.schedule_id,
            ScheduleLog.target_room_id,
            ScheduleLog.status,
            ScheduleLog.error_message,
            type_coerce(ScheduleLog.api_response, Text),
            ScheduleLog.scheduled_at,
            ScheduleLog.started_at,
            Schedule.title,
            Schedule.target_room_id,
            TargetRoom.name,
            ScheduleMeta.campaign_id,
            Campaign.title,
        )
        .outerjoin(Schedule, Schedule.id == ScheduleLog.schedule_id)
        .outerjoin(ScheduleMeta, ScheduleMeta.schedule_id == ScheduleLog.schedule_id)
        .outerjoin(Campaign, Campaign.id == ScheduleMeta.campaign_id)
        .outerjoin(TargetRoom, TargetRoom.chat_id == ScheduleLog.target_room_id)
        .order_by(ScheduleLog.id)
    )
    return [LogFacts(*row) for row in await session.execute(query)]


async def replies_by_log(session: AsyncSession, ids: Select[int]) -> dict[int, int]:
    query = (
        select(Reply.log_id, func.count())
        .where(Reply.log_id.in_(ids.scalar_subquery()))
        .group_by(Reply.log_id)
    )
    return {int(log_id): int(n) for log_id, n in await session.execute(query) if log_id is not None}


def chunks(values: Iterable[object]) -> list[list[object]]:
    found = sorted(set(values), key=str)
    return [found[i : i + CHUNK] for i in range(0, len(found), CHUNK)]


def utc_of(local: datetime, tz: ZoneInfo) -> datetime:
    return to_utc_naive(from_local_naive(local, tz))


async def room_activity(
    session: AsyncSession, sends: Iterable[tuple[str, datetime]]
) -> tuple[dict[str, dict[datetime, int]], dict[str, datetime]]:
    """For sends given as (room, ``hour_of`` the send): the hourly counts they need (their
    hours and the same hours of 4 earlier weeks) and each room's first counted hour."""
    hours: set[datetime] = set()
    rooms: set[str] = set()
    for room, hour in set(sends):
        after, weeks = hour_plan(hour)
        rooms.add(room)
        hours.update(after)
        hours.update(h for week in weeks for h in week)
    counts: dict[str, dict[datetime, int]] = defaultdict(dict)
    first: dict[str, datetime] = {}
    for room_chunk in chunks(rooms):
        query = (
            select(RoomActivity.room_id, func.min(RoomActivity.hour))
            .where(RoomActivity.room_id.in_(room_chunk))
            .group_by(RoomActivity.room_id)
        )
        first.update({room: hour for room, hour in await session.execute(query) if hour})
        for hour_chunk in chunks(hours):
            rows = select(RoomActivity.room_id, RoomActivity.hour, RoomActivity.messages).where(
                RoomActivity.room_id.in_(room_chunk), RoomActivity.hour.in_(hour_chunk)
            )
            for room, hour, messages in await session.execute(rows):
                counts[room][hour] = max(0, int(messages or 0))
    return counts, first


async def clicks_by_log(
    session: AsyncSession, sends: Sequence[LogFacts], tz: ZoneInfo
) -> dict[int, int]:
    """Clicks per sent row: each click on a schedule's link for a room goes to the latest
    sent row of that schedule to that room at or before it, within ``CLICK_DAYS``. The sends
    after the window take their clicks too, so every sent row of the schedules is read."""
    if not sends:
        return {}
    start = min(row.started_at for row in sends)
    end = max(row.started_at for row in sends) + timedelta(days=CLICK_DAYS)
    schedule_ids = {row.schedule_id for row in sends}
    starts: dict[tuple[int, str], list[tuple[datetime, int]]] = defaultdict(list)
    clicks: list[tuple[int, str, datetime]] = []
    for chunk in chunks(schedule_ids):
        sent = select(
            ScheduleLog.schedule_id,
            ScheduleLog.target_room_id,
            ScheduleLog.started_at,
            ScheduleLog.id,
        ).where(
            ScheduleLog.schedule_id.in_(chunk),
            ScheduleLog.status.in_(SENT_STATUSES),
            ScheduleLog.started_at >= start,
            ScheduleLog.started_at <= end,
        )
        for schedule_id, room, at, log_id in await session.execute(sent):
            starts[(schedule_id, room)].append((at, log_id))
        clicked = (
            select(ShortLink.schedule_id, ShortLink.room_id, LinkClick.clicked_at)
            .join(LinkClick, LinkClick.link_id == ShortLink.id)
            .where(
                ShortLink.schedule_id.in_(chunk),
                LinkClick.clicked_at >= utc_of(start, tz),
                LinkClick.clicked_at <= utc_of(end, tz),
            )
        )
        clicks += [(s, r, at) for s, r, at in await session.execute(clicked)]
    for found in starts.values():
        found.sort()
    counted: dict[int, int] = defaultdict(int)
    for schedule_id, room, clicked_at in clicks:
        local = to_local_naive(from_utc_naive(clicked_at), tz)
        found = starts.get((schedule_id, room), [])
        index = bisect.bisect_right(found, (local, 2**62)) - 1
        if index >= 0 and local - found[index][0] <= timedelta(days=CLICK_DAYS):
            counted[found[index][1]] += 1
    return dict(counted)
