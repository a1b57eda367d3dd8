"""The Iris devices' breaker rows (``kbot_devices``), shared by every kbot process.

A device is *paused* while ``paused_until`` is in the future. When that passes, the pause has
*ended* but is not yet *resumed* until one process claims the recovery (``recovery_told``
false -> true, ``resumed_at`` = the end of the pause): that process tells the ops room. Trips
and claims are conditional UPDATEs, so with several processes exactly one wins each.
Times are naive UTC in the table, aware UTC here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, case, false, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import from_utc_naive, to_utc_naive
from storage.device_ledger import hold_device
from storage.kbot_models import DeviceState, Receipt, RoomDevice

_DEVICES = cast(Table, DeviceState.__table__)
_RECEIPTS = cast(Table, Receipt.__table__)
SETTLED = ("confirmed", "unconfirmed", "failed")  # receipts the breaker reads
BAD = frozenset({"unconfirmed", "failed"})


@dataclass(frozen=True, slots=True)
class DeviceRow:
    name: str
    paused_until: datetime | None = None  # aware UTC
    paused_at: datetime | None = None
    pause_reason: str | None = None
    resumed_at: datetime | None = None
    recovery_told: bool = True
    trips: int = 0

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def ended_untold(self, now: datetime) -> bool:
        """The pause is over but its end was not announced yet."""
        return not self.recovery_told and not self.paused(now)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else from_utc_naive(value)


async def load(session: AsyncSession) -> dict[str, DeviceRow]:
    """Every device's row, by name."""
    rows = await session.execute(select(DeviceState))
    return {
        row.name: DeviceRow(
            row.name,
            _aware(row.paused_until),
            _aware(row.paused_at),
            row.pause_reason,
            _aware(row.resumed_at),
            bool(row.recovery_told),
            int(row.trips),
        )
        for row in rows.scalars()
    }


async def last_parts(
    session: AsyncSession, device: str, after: datetime | None, n: int
) -> list[str]:
    """The states of ``device``'s last ``n`` settled receipts sent after ``after``, newest
    first."""
    sent = _RECEIPTS.c.sent_at
    query = (
        select(_RECEIPTS.c.state)
        .where(_RECEIPTS.c.device == device, _RECEIPTS.c.state.in_(SETTLED))
        .order_by(sent.desc(), _RECEIPTS.c.id.desc())
        .limit(n)
    )
    if after is not None:
        query = query.where(sent > to_utc_naive(after))
    return list((await session.execute(query)).scalars())


async def trip(
    session: AsyncSession,
    device: str,
    now: datetime,
    until: datetime,
    reason: str,
    *,
    seen_trips: int | None = None,
) -> bool:
    """Pause ``device`` until ``until``; True for the one caller that did. It must not be
    paused now; ``seen_trips`` (the breaker's count) also requires that no pause was tripped
    since the caller read the row, and that the last pause was resumed."""
    await hold_device(session, device, now)
    stamp = to_utc_naive(now)
    unpaused: ColumnElement[bool] = or_(
        _DEVICES.c.paused_until.is_(None), _DEVICES.c.paused_until <= stamp
    )
    conditions = [_DEVICES.c.name == device, unpaused]
    if seen_trips is not None:
        conditions += [_DEVICES.c.trips == seen_trips, _DEVICES.c.recovery_told == true()]
    outcome = await session.execute(
        update(_DEVICES)
        .where(and_(*conditions))
        .values(
            paused_until=to_utc_naive(until),
            paused_at=stamp,
            pause_reason=reason[:300],
            recovery_told=False,
            trips=_DEVICES.c.trips + 1,
        )
    )
    return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]


# when a pause ended: its end, or its start when an operator ended it early by hand
_RESUMED_AT = case(
    (
        or_(_DEVICES.c.paused_at.is_(None), _DEVICES.c.paused_until > _DEVICES.c.paused_at),
        _DEVICES.c.paused_until,
    ),
    else_=_DEVICES.c.paused_at,
)


def resumed_at(row: DeviceRow) -> datetime | None:
    """``_RESUMED_AT`` of ``row``."""
    if row.paused_at is None or row.paused_until is None or row.paused_until > row.paused_at:
        return row.paused_until
    return row.paused_at


async def claim_recovery(session: AsyncSession, device: str, now: datetime) -> bool:
    """Mark the end of ``device``'s pause as told (``resumed_at`` = its end, or its start when
    it was ended early by hand, so the parts that tripped it do not count again); True for
    the one caller that did and now tells it."""
    outcome = await session.execute(
        update(_DEVICES)
        .where(
            _DEVICES.c.name == device,
            _DEVICES.c.recovery_told == false(),
            _DEVICES.c.paused_until <= to_utc_naive(now),
        )
        .values(recovery_told=True, resumed_at=_RESUMED_AT)
    )
    return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]


async def devices_in_room(session: AsyncSession, room_id: str) -> set[str]:
    """The devices known to be in ``room_id`` (``kbot_room_devices``)."""
    found = await session.execute(select(RoomDevice.device).where(RoomDevice.room_id == room_id))
    return set(found.scalars())
