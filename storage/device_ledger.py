"""The per-device send ledger (``kbot_device_sends``) behind the account budgets.

``take`` decides one send in the caller's transaction, holding the device across processes
first: it touches the device's ``kbot_devices`` row (``UPDATE ... SET updated_at``), which
takes that row's lock on MariaDB (and SQLite's write lock, already held by ``BEGIN
IMMEDIATE``), so two processes sharing the database count and insert one after the other.
Times are naive UTC; a row's ``sent_at`` is rounded up to the whole second (MariaDB keeps
whole seconds), so a send is never counted as older than it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage.kbot_models import DeviceSend, DeviceState

_SENDS = cast(Table, DeviceSend.__table__)
_DEVICES = cast(Table, DeviceState.__table__)
WINDOWS_S = (60, 3600, 86400)  # minute, hour, day
KEEP = timedelta(seconds=WINDOWS_S[-1])


@dataclass(frozen=True, slots=True)
class Limits:
    """A device's budgets per window (0: none)."""

    per_minute: int = 0
    per_hour: int = 0
    per_day: int = 0

    def values(self) -> tuple[int, int, int]:
        return self.per_minute, self.per_hour, self.per_day


@dataclass(frozen=True, slots=True)
class Usage:
    """A device's sends in the last minute, hour and day."""

    minute: int = 0
    hour: int = 0
    day: int = 0

    def values(self) -> tuple[int, int, int]:
        return self.minute, self.hour, self.day


async def hold_device(session: AsyncSession, device: str, now: datetime) -> None:
    """Lock ``device``'s ``kbot_devices`` row for the rest of the transaction (created when
    missing)."""
    stamp = to_utc_naive(now)
    touch = update(_DEVICES).where(_DEVICES.c.name == device).values(updated_at=stamp)
    if (await session.execute(touch)).rowcount:  # type: ignore[attr-defined]
        return
    try:
        async with session.begin_nested():
            await session.execute(insert(_DEVICES).values(name=device, updated_at=stamp))
    except IntegrityError:  # another process created it meanwhile
        await session.execute(touch)


async def take(
    session: AsyncSession, device: str, limits: Limits, now: datetime
) -> tuple[float, Usage]:
    """``(0, use)`` when ``device`` is under every limit (its send is recorded and counted in
    ``use``), else ``(seconds, use)``: the seconds until the oldest send counted in a full
    window leaves it (nothing recorded)."""
    await hold_device(session, device, now)
    used = await _usage_of(session, device, now)
    wait = 0.0
    for window, limit, count in zip(WINDOWS_S, limits.values(), used.values(), strict=True):
        if limit and count >= limit:
            wait = max(wait, await _leaves_in(session, device, now, window, count - limit))
    if wait > 0:
        return wait, used
    await session.execute(insert(_SENDS).values(device=device, sent_at=_stamp(now)))
    return 0.0, Usage(used.minute + 1, used.hour + 1, used.day + 1)


async def usage(session: AsyncSession, now: datetime) -> dict[str, Usage]:
    """Every device's sends in the last minute, hour and day."""
    query = select(_SENDS.c.device, *_counts(now)).where(_in_day(now)).group_by(_SENDS.c.device)
    found = await session.execute(query)
    return {str(row[0]): Usage(int(row[1]), int(row[2]), int(row[3])) for row in found.all()}


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete rows older than a day; how many went."""
    gone = await session.execute(delete(_SENDS).where(_SENDS.c.sent_at < to_utc_naive(now - KEEP)))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def used_share(used: Usage, limits: Limits) -> Mapping[str, tuple[int, int]]:
    """``{"minute": (used, limit), ...}`` for the windows with a limit."""
    return {
        name: (count, limit)
        for name, count, limit in zip(
            ("minute", "hour", "day"), used.values(), limits.values(), strict=True
        )
        if limit
    }


def _counts(now: datetime) -> tuple[ColumnElement[int], ...]:
    """Sends in the last minute, hour and day (of rows already limited to the last day)."""
    sent = _SENDS.c.sent_at
    minute, hour = (to_utc_naive(now - timedelta(seconds=w)) for w in WINDOWS_S[:2])
    return (
        func.coalesce(func.sum(case((sent > minute, 1), else_=0)), 0),
        func.coalesce(func.sum(case((sent > hour, 1), else_=0)), 0),
        func.count(),
    )


def _in_day(now: datetime) -> ColumnElement[bool]:
    return _SENDS.c.sent_at > to_utc_naive(now - KEEP)


async def _usage_of(session: AsyncSession, device: str, now: datetime) -> Usage:
    query = select(*_counts(now)).where(_SENDS.c.device == device, _in_day(now))
    row = (await session.execute(query)).one()
    return Usage(int(row[0]), int(row[1]), int(row[2]))


async def _leaves_in(
    session: AsyncSession, device: str, now: datetime, window_s: int, skip: int
) -> float:
    """Seconds until the ``skip``-th oldest send of the window (0: the oldest) leaves it."""
    sent = _SENDS.c.sent_at
    oldest = await session.scalar(
        select(sent)
        .where(_SENDS.c.device == device, sent > to_utc_naive(now - timedelta(seconds=window_s)))
        .order_by(sent)
        .offset(skip)
        .limit(1)
    )
    if oldest is None:  # pragma: no cover - counted a moment ago under the same lock
        return 1.0
    leaves = oldest + timedelta(seconds=window_s) - to_utc_naive(now)
    return max(leaves.total_seconds(), 0.001)


def _stamp(now: datetime) -> datetime:
    naive = to_utc_naive(now)
    if naive.microsecond:
        naive = naive.replace(microsecond=0) + timedelta(seconds=1)
    return naive
