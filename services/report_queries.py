"""The reads behind a report (``services.reports``): the window's log rows, their schedules',
campaigns' and rooms' names, and per row the replies and the link clicks (the rooms' hourly
activity: ``services.report_activity``). Each is one query (or a few chunked ``IN`` lists of
schedules or rooms), never one per row; every value is fetched as a plain row."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, String, Text, func, not_, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import from_local_naive, from_utc_naive, to_local_naive, to_utc_naive
from services.logs import DateWindow, LogFilter, matching, visible_to
from services.report_math import SENT_STATUSES, is_missed
from storage.engagement_models import LinkClick, Reply, ShortLink
from storage.kbot_models import Campaign, Room, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from storage.send_kinds import COUNTED, KIND, Ts, with_kind
from storage.types import datetime_text

CLICK_DAYS = 7  # a click counts for the latest send to its room at most this long before it
CHUNK = 500  # values per IN list


class LogFacts(NamedTuple):
    """One window row as read (``api_response`` as raw text: it is input); a named tuple, as
    ``services.report_math.RowFact``, for the thousands of rows."""

    log_id: int
    schedule_id: int
    room_id: str
    status: str
    error_message: str | None
    api_response: str | None
    scheduled_at: datetime
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Labels:
    """What a report names of the window rows' schedules, campaigns and rooms."""

    schedules: dict[int, tuple[str, str]]  # (title, target room) of the schedules not deleted
    campaigns: dict[int, tuple[int, str | None]]  # schedule -> (campaign, its title)
    room_names: dict[str, str]  # of the registered rooms


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
    """The rows ``ids`` selects (a ``window_rows`` query), in id order."""
    query = ids.add_columns(
        ScheduleLog.schedule_id,
        ScheduleLog.target_room_id,
        # as text: the enum type's result processor looks every value up (MariaDB's ENUM
        # already holds only its values, or "" for a value it refused)
        type_coerce(ScheduleLog.status, String),
        ScheduleLog.error_message,
        type_coerce(ScheduleLog.api_response, Text),
        datetime_text(ScheduleLog.scheduled_at),
        datetime_text(ScheduleLog.started_at),
    ).order_by(ScheduleLog.id)
    return [LogFacts._make(row) for row in await plain_rows(session, query)]


async def read_labels(session: AsyncSession, rows: Sequence[LogFacts]) -> Labels:
    """The titles, campaigns and room names of ``rows``, read once per schedule and room rather
    than joined to every row."""
    labels = Labels({}, {}, {})
    for chunk in chunks(row.schedule_id for row in rows):
        schedules = select(Schedule.id, Schedule.title, Schedule.target_room_id).where(
            Schedule.id.in_(chunk)
        )
        for schedule_id, title, room in await plain_rows(session, schedules):
            labels.schedules[schedule_id] = (title, room)
        campaigns = (
            select(ScheduleMeta.schedule_id, ScheduleMeta.campaign_id, Campaign.title)
            .outerjoin(Campaign, Campaign.id == ScheduleMeta.campaign_id)
            .where(ScheduleMeta.schedule_id.in_(chunk))
        )
        for schedule_id, campaign_id, title in await plain_rows(session, campaigns):
            if campaign_id is not None:
                labels.campaigns[schedule_id] = (campaign_id, title)
    for chunk in chunks(row.room_id for row in rows):
        rooms = select(Room.chat_id, Room.name).where(Room.chat_id.in_(chunk))
        for chat_id, name in await plain_rows(session, rooms):
            labels.room_names[chat_id] = name
    return labels


async def plain_rows(session: AsyncSession, query: Select[*Ts]) -> Sequence[Row[*Ts]]:
    """``query``'s rows, fetched at once and without the ORM's per-row result processing."""
    return (await (await session.connection()).execute(query)).all()


async def replies_by_log(session: AsyncSession, ids: Select[int]) -> dict[int, int]:
    query = (
        select(Reply.log_id, func.count())
        .where(Reply.log_id.in_(ids.scalar_subquery()))
        .group_by(Reply.log_id)
    )
    return {
        int(log_id): int(n) for log_id, n in await plain_rows(session, query) if log_id is not None
    }


def chunks(values: Iterable[object]) -> list[list[object]]:
    found = sorted(set(values), key=str)
    return [found[i : i + CHUNK] for i in range(0, len(found), CHUNK)]


def utc_of(local: datetime, tz: ZoneInfo) -> datetime:
    return to_utc_naive(from_local_naive(local, tz))


async def clicks_by_log(
    session: AsyncSession, rows: Sequence[LogFacts], window: DateWindow, tz: ZoneInfo
) -> dict[int, int]:
    """Clicks per sent row of ``rows`` (a ``window_rows`` query's, over ``window``): each click
    on a schedule's link for a room goes to the latest sent row of that schedule to that room
    at or before it, within ``CLICK_DAYS``. Every sent row of the schedules counts as such a
    send, also one after the window or a test send: the window's are in ``rows``, the others
    are read. A row the actor does not see is left out: visibility follows the (schedule,
    room) of a row, so it never shares them with a row of ``rows``, never takes its clicks."""
    sends = [r for r in rows if r.status in SENT_STATUSES and not is_missed(r.error_message)]
    if not sends:
        return {}
    start = min(row.started_at for row in sends)
    end = max(row.started_at for row in sends) + timedelta(days=CLICK_DAYS)
    clicks: list[tuple[int, str, datetime]] = []
    for chunk in chunks({row.schedule_id for row in sends}):
        clicked = (
            select(ShortLink.schedule_id, ShortLink.room_id, datetime_text(LinkClick.clicked_at))
            .join(LinkClick, LinkClick.link_id == ShortLink.id)
            .where(
                ShortLink.schedule_id.in_(chunk),
                LinkClick.clicked_at >= utc_of(start, tz),
                LinkClick.clicked_at <= utc_of(end, tz),
            )
        )
        clicks += [(s, r, at) for s, r, at in await plain_rows(session, clicked)]
    # the sends only of the (schedule, room) pairs clicked: most schedules carry no link
    starts: dict[tuple[int, str], list[tuple[datetime, int]]] = {(s, r): [] for s, r, _ in clicks}
    for row in rows:
        found = starts.get((row.schedule_id, row.room_id))
        if found is not None and row.status in SENT_STATUSES and start <= row.started_at <= end:
            found.append((row.started_at, row.log_id))
    for chunk in chunks({s for s, _ in starts}):
        others = select(
            ScheduleLog.schedule_id,
            ScheduleLog.target_room_id,
            datetime_text(ScheduleLog.started_at),
            ScheduleLog.id,
        ).where(
            ScheduleLog.schedule_id.in_(chunk),
            ScheduleLog.status.in_(SENT_STATUSES),
            ScheduleLog.started_at >= start,
            ScheduleLog.started_at <= end,
            # not a row of the window: scheduled outside it or not a counted kind
            or_(*(not_(c) for c in window.conditions()), KIND.not_in(COUNTED)),
        )
        others = with_kind(others.select_from(ScheduleLog))
        for schedule_id, room, at, log_id in await plain_rows(session, others):
            found = starts.get((schedule_id, room))
            if found is not None:
                found.append((at, log_id))
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
