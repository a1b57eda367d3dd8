"""Claiming due occurrences: one transaction inserts a ``kbot_occurrences`` row per due
schedule and advances ``kb_schedule.next_send_at`` from the occurrence just handled.

MySQL/MariaDB lock the due rows with ``FOR UPDATE SKIP LOCKED`` so several workers split the
work; SQLite serialises writers with ``BEGIN IMMEDIATE`` (the engine's default). The unique
``(schedule_id, scheduled_at, kind)`` key makes a second claim of one occurrence impossible.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbot.timeutil import from_local_naive, to_local_naive, to_utc_naive
from scheduler.context import Deps, in_transaction, log
from scheduler.logbook import SKIPPED, Result, make_log
from scheduler.rules import RuleError, next_occurrence
from scheduler.schedule_rule import rule_of
from storage.kbot_models import Occurrence
from storage.models import Schedule


async def claim(deps: Deps, limit: int, exclude: Collection[int] = ()) -> list[int]:
    """Take up to ``limit`` occurrences to send: orphans first (expired or released leases),
    then newly due ones. Returns occurrence ids now leased to ``deps.owner``."""

    async def work(session: AsyncSession) -> list[int]:
        ids = await _take_over(session, deps, limit, exclude)
        if len(ids) < limit:
            ids += await _claim_due(session, deps, limit - len(ids))
        return ids

    return await in_transaction(deps, work)


async def _take_over(
    session: AsyncSession, deps: Deps, limit: int, exclude: Collection[int]
) -> list[int]:
    now = deps.utc_now()
    query = (
        select(Occurrence)
        .where(
            Occurrence.state.in_(("pending", "sending")),
            or_(Occurrence.lease_owner.is_(None), Occurrence.lease_expires_at < now),
        )
        .order_by(Occurrence.id)
        .limit(limit + len(exclude))
    )
    if deps.mysql:
        query = query.with_for_update(skip_locked=True)
    taken: list[int] = []
    for occ in (await session.scalars(query)).all():
        if occ.id in exclude or len(taken) >= limit:
            continue
        if occ.lease_owner is not None:
            log.warning("occurrence %d: lease of %s expired, taking over", occ.id, occ.lease_owner)
        occ.lease_owner = deps.owner
        occ.lease_expires_at = deps.lease_until()
        taken.append(occ.id)
    return taken


async def _claim_due(session: AsyncSession, deps: Deps, limit: int) -> list[int]:
    query = (
        select(Schedule)
        .where(
            Schedule.status == "active",
            or_(Schedule.next_send_at.is_(None), Schedule.next_send_at <= deps.local_now()),
        )
        .order_by(Schedule.next_send_at, Schedule.id)
        .limit(limit)
    )
    if deps.mysql:
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    handled = await _handled(session, rows)
    claimed = []
    for row in rows:
        occ = await _advance(session, deps, row, (row.id, row.next_send_at) in handled)
        if occ is not None:
            claimed.append(occ)
    await session.flush()
    return [occ.id for occ in claimed]


async def _advance(
    session: AsyncSession, deps: Deps, row: Schedule, handled: bool
) -> Occurrence | None:
    """Decide once for ``row``: send its due occurrence, skip it, or just compute its next
    time; then move ``next_send_at`` (or finish the schedule)."""
    now = deps.clock.now()
    try:
        rule = rule_of(row)
        if row.next_send_at is None:  # new, or written by the PHP site: compute from now
            _set_next(row, next_occurrence(rule, now, deps.tz), deps)
            return None
        at = from_local_naive(row.next_send_at, deps.tz)
        following = next_occurrence(rule, at, deps.tz)
        if following is not None and following <= now:  # after downtime: no catch-up burst
            following = next_occurrence(rule, now, deps.tz)
    except RuleError as exc:
        row.status = "error"
        log.error("schedule %d has an invalid rule, status set to 'error': %s", row.id, exc)
        return None
    occ = None
    if row.valid_from <= row.next_send_at <= row.valid_until and not handled:
        occ = _occurrence(deps, row)
        session.add(occ)
        late = (now - at).total_seconds()
        if late > deps.settings.misfire_grace_s:
            await _skip(session, deps, row, occ, late)
            occ = None
    _set_next(row, following, deps)
    return occ


def _occurrence(deps: Deps, row: Schedule) -> Occurrence:
    return Occurrence(
        schedule_id=row.id,
        scheduled_at=row.next_send_at,
        kind="scheduled",
        target_room_id=row.target_room_id,
        state="pending",
        parts_total=0,
        parts_done=0,
        attempts=0,
        lease_owner=deps.owner,
        lease_expires_at=deps.lease_until(),
        created_at=deps.utc_now(),
    )


async def _skip(
    session: AsyncSession, deps: Deps, row: Schedule, occ: Occurrence, late: float
) -> None:
    grace = deps.settings.misfire_grace_s
    reason = f"{SKIPPED}missed by {int(late)}s (more than misfire_grace_s={grace}s)"
    log.warning("schedule %d occurrence %s %s", row.id, row.next_send_at, reason)
    now = deps.local_now()
    entry = make_log(row, occ, Result(error=reason), started=now, completed=now)
    session.add(entry)
    await session.flush()
    occ.state, occ.log_id, occ.lease_owner, occ.lease_expires_at = "skipped", entry.id, None, None


async def _handled(session: AsyncSession, rows: list[Schedule]) -> set[tuple[int, datetime]]:
    """Which of the rows' due times already have an occurrence (e.g. the PHP site moved
    ``next_send_at`` back to a time already sent)."""
    times = [row.next_send_at for row in rows if row.next_send_at is not None]
    if not times:
        return set()
    found = await session.execute(
        select(Occurrence.schedule_id, Occurrence.scheduled_at).where(
            Occurrence.kind == "scheduled",
            Occurrence.schedule_id.in_([row.id for row in rows]),
            Occurrence.scheduled_at >= min(times),
        )
    )
    return {(schedule_id, at) for schedule_id, at in found.all()}


def _set_next(row: Schedule, following: datetime | None, deps: Deps) -> None:
    if following is None:
        row.next_send_at = None
        row.status = "completed"
    else:
        row.next_send_at = to_local_naive(following, deps.tz)


async def next_wake(deps: Deps) -> float | None:
    """Seconds until the earliest active schedule is due or a lease expires (0 when a row
    needs its next time computed); None when nothing is pending."""
    async with deps.sessions() as session:
        nulls = await session.scalar(
            select(func.count())
            .select_from(Schedule)
            .where(Schedule.status == "active", Schedule.next_send_at.is_(None))
        )
        released = await session.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(Occurrence.state.in_(("pending", "sending")), Occurrence.lease_owner.is_(None))
        )
        if nulls or released:
            return 0.0
        due = await session.scalar(
            select(func.min(Schedule.next_send_at)).where(Schedule.status == "active")
        )
        lease = await session.scalar(
            select(func.min(Occurrence.lease_expires_at)).where(
                Occurrence.state.in_(("pending", "sending")),
                Occurrence.lease_owner != deps.owner,
            )
        )
    now = deps.clock.now()
    waits = []
    if due is not None:
        waits.append((from_local_naive(due, deps.tz) - now).total_seconds())
    if lease is not None:
        waits.append((lease - to_utc_naive(now)).total_seconds() + 0.001)
    return max(0.0, min(waits)) if waits else None
