"""The rooms' hourly activity a report compares sends with (``services.reports``): the counts of
``kbot_room_activity`` at the hours the sends need and each room's first counted hour.

The counts come one row per room, its hours packed by ``GROUP_CONCAT`` as ``hour=messages;``
items: a driver row costs microseconds (aiomysql's most of all), and a month of hundreds of
rooms needs about a hundred thousand hourly counts. MySQL/MariaDB cut a packed list at
``group_concat_max_len`` (MariaDB's default 1 MB, MySQL's 1 KB); a room whose list came back
cut (not ending in ``;`` or with fewer items than its rows) has its counts read again as plain
rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.report_math import hour_plan
from services.report_queries import chunks, plain_rows
from storage.engagement_models import RoomActivity
from storage.types import datetime_text

# one count as text: "<hour as stored>=<messages>;" (an hour's text holds no "=", ";" or ",")
_ITEM = (
    cast(RoomActivity.hour, String) + "=" + cast(cast(RoomActivity.messages, Integer), String) + ";"
)


async def room_activity(
    session: AsyncSession, sends: Iterable[tuple[str, datetime]]
) -> tuple[dict[str, dict[datetime, int]], dict[str, datetime]]:
    """For sends given as (room, ``hour_of`` the send): the hourly counts they need (their
    hours and the same hours of 4 earlier weeks) and each room's first counted hour."""
    pairs = set(sends)
    rooms = {room for room, _ in pairs}
    hours: set[datetime] = set()
    for hour in {hour for _, hour in pairs}:
        after, weeks = hour_plan(hour)
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
        first.update({room: hour for room, hour in await plain_rows(session, query) if hour})
        for hour_chunk in chunks(hours):
            await _read_counts(session, room_chunk, hour_chunk, counts)
    return counts, first


async def _read_counts(
    session: AsyncSession,
    rooms: list[object],
    hours: list[object],
    counts: dict[str, dict[datetime, int]],
) -> None:
    """The counts of ``rooms`` at ``hours`` into ``counts`` (a negative count read as 0)."""
    where = (RoomActivity.room_id.in_(rooms), RoomActivity.hour.in_(hours))
    packed = select(RoomActivity.room_id, func.count(), func.group_concat(_ITEM))
    cut: list[object] = []
    parsed: dict[str, datetime] = {}
    for room, n, items in await plain_rows(
        session, packed.where(*where).group_by(RoomActivity.room_id)
    ):
        found = items[:-1].split(";,") if items and items.endswith(";") else []
        if len(found) != n:
            cut.append(room)
            continue
        in_room = counts[room]
        for item in found:
            text, _, messages = item.partition("=")
            hour = parsed.get(text)
            if hour is None:  # the rooms share their hours: each text is parsed once
                hour = parsed[text] = datetime.fromisoformat(text)
            in_room[hour] = max(0, int(messages))
    if cut:
        plain = select(
            RoomActivity.room_id, datetime_text(RoomActivity.hour), RoomActivity.messages
        )
        where = (RoomActivity.room_id.in_(cut), RoomActivity.hour.in_(hours))
        for room, hour, messages in await plain_rows(session, plain.where(*where)):
            counts[room][hour] = max(0, int(messages or 0))
