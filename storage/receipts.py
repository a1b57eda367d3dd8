"""Delivery receipts (``kbot_receipts``): one row per part handed to an Iris device, matched
to the bot's own echo of it. Safe across kbot processes sharing the database: the echo may
reach another process than the one that sent, so every change of state is one guarded UPDATE
(``WHERE state IN (...)``, its row count checked).

Lifecycle of a row (times naive UTC):

- ``sending``: written before the part goes to the sender, so an echo that comes back before
  Iris's HTTP answer finds it; ``device`` is '' until known.
- ``pending``: Iris accepted it (``device`` took it, ``sent_at`` then, ``due_at`` = sent_at +
  ``bot.confirm_timeout_s``); only from ``sending``: an echo may have confirmed it already.
- ``failed``: the request failed at a device (error answer, timeout, unreachable); ``device``
  is the one it was meant for. A request that never reached a device (too late, shutting
  down, nothing to send, bad room) leaves no row (``drop``).
- ``confirmed``: its echo came (``confirmed_at``, ``echo_id``, unique: a duplicate echo
  confirms nothing); from ``sending``, ``pending`` or ``unconfirmed`` (a late echo).
- ``unconfirmed``: ``pending`` past ``due_at`` (``expire``).

Resolved rows are deleted after ``KEEP_DAYS`` (``prune``): the log row keeps their truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, and_, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kbot_models import Receipt
from storage.models import ScheduleLog
from storage.send_record import record

RECEIPTS = cast(Table, Receipt.__table__)
LOGS = cast(Table, ScheduleLog.__table__)
HANDED = ("sending", "pending", "confirmed", "unconfirmed")  # reached (or may have) a device
OPEN = ("sending", "pending", "unconfirmed")  # an echo may still confirm these
WAITING = ("sending", "pending")
RESOLVED = ("confirmed", "unconfirmed", "failed")
ECHO_SLACK_S = 120  # an echo's time (the device's clock) may run this far behind ours
LATE_ECHO_WINDOW_S = 3600  # an unconfirmed part older than this is no longer matched
STALE_SENDING_S = 86400  # a 'sending' row this old lost its process: unconfirmed
KEEP_DAYS = 8
_CANDIDATES = 5  # rows tried per echo before giving up (each lost to another process)

Kind = Literal["text", "image"]


@dataclass(frozen=True, slots=True)
class Opening:
    """A part about to be handed to the sender."""

    occurrence_id: int | None
    part_index: int
    room_id: str
    kind: Kind
    text_key: str | None
    at: datetime


def opening_row(item: Opening) -> dict[str, Any]:
    """The ``sending`` row of ``item`` (inserted by the caller, many at once)."""
    return {
        "occurrence_id": item.occurrence_id,
        "part_index": item.part_index,
        "room_id": item.room_id,
        "device": "",
        "kind": item.kind,
        "text_key": item.text_key if item.kind == "text" else None,
        "state": "sending",
        "sent_at": item.at,
    }


@dataclass(frozen=True, slots=True)
class Settling:
    """What became of a handed-over request: ``accepted`` by ``device``, ``failed`` at
    ``device`` ('' when unknown), or ``dropped`` (it never reached a device: the row goes)."""

    receipt_id: int
    outcome: Literal["accepted", "failed", "dropped"]
    device: str = ""


async def settle_many(
    session: AsyncSession, items: list[Settling], *, now: datetime, timeout_s: float
) -> None:
    """Record what became of each request, only on rows still ``sending`` (an echo may have
    confirmed one first: then only its device is recorded). Accepted ones are pending from
    ``now`` for ``timeout_s``. One statement per device and outcome."""
    t = RECEIPTS.c
    due = now + timedelta(seconds=timeout_s)
    for (outcome, device), ids in _grouped(items).items():
        if outcome == "dropped":
            await session.execute(delete(RECEIPTS).where(t.id.in_(ids), t.state == "sending"))
            continue
        values: dict[str, Any] = {"state": "failed", "device": device}
        if outcome == "accepted":
            values = {"state": "pending", "device": device, "sent_at": now, "due_at": due}
        await session.execute(
            update(RECEIPTS).where(t.id.in_(ids), t.state == "sending").values(**values)
        )
        if outcome == "accepted":  # confirmed before Iris answered: the device only
            await session.execute(
                update(RECEIPTS).where(t.id.in_(ids), t.device == "").values(device=device)
            )


def _grouped(items: list[Settling]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for item in items:
        groups.setdefault((item.outcome, item.device), []).append(item.receipt_id)
    return groups


async def handed_parts(session: AsyncSession, occurrence_id: int) -> set[int]:
    """The parts of an occurrence that reached (or may have reached) a device."""
    query = select(RECEIPTS.c.part_index).where(
        RECEIPTS.c.occurrence_id == occurrence_id, RECEIPTS.c.state.in_(HANDED)
    )
    return set((await session.execute(query)).scalars())


@dataclass(frozen=True, slots=True)
class Claimed:
    """A receipt an echo confirmed."""

    receipt_id: int
    log_id: int | None
    was: str  # its state before: sending | pending | unconfirmed (a late echo)
    latency_s: float  # from Iris's acceptance (or the hand-over) to the echo
    device: str


async def claim_echo(
    session: AsyncSession,
    *,
    room_id: str,
    kind: Kind,
    text_key: str | None,
    echo_id: str,
    echo_at: datetime,
    now: datetime,
) -> Claimed | Literal["duplicate"] | None:
    """Confirm the oldest open receipt the echo matches: same room and kind (and text),
    handed over no later than the echo was written (plus ``ECHO_SLACK_S``); waiting ones
    before unconfirmed ones, which are matched for ``LATE_ECHO_WINDOW_S`` only. None when
    nothing matches."""
    known = select(RECEIPTS.c.id).where(RECEIPTS.c.echo_id == echo_id)
    if (await session.execute(known)).first() is not None:
        return "duplicate"
    t = RECEIPTS.c
    query = (
        select(t.id, t.state, t.sent_at, t.log_id, t.device)
        .where(
            t.room_id == room_id,
            t.kind == kind,
            t.state.in_(OPEN),
            t.sent_at <= echo_at + timedelta(seconds=ECHO_SLACK_S),
            or_(
                t.state != "unconfirmed",
                t.sent_at >= now - timedelta(seconds=LATE_ECHO_WINDOW_S),
            ),
        )
        .order_by(case((t.state == "unconfirmed", 1), else_=0), t.sent_at, t.id)
        .limit(_CANDIDATES)
    )
    if kind == "text":
        query = query.where(t.text_key == text_key)
    for row in (await session.execute(query)).all():
        claim = (
            update(RECEIPTS)
            .where(t.id == row.id, t.state.in_(OPEN))
            .values(state="confirmed", confirmed_at=now, echo_id=echo_id)
        )
        if (await session.execute(claim)).rowcount == 1:  # type: ignore[attr-defined]
            latency = max(0.0, (now - row.sent_at).total_seconds())
            log_id = await session.scalar(select(t.log_id).where(t.id == row.id))
            return Claimed(row.id, log_id, row.state, latency, row.device)
    return None


async def expire(session: AsyncSession, now: datetime, limit: int = 500) -> tuple[int, set[int]]:
    """Pending receipts past their due time (and 'sending' ones abandoned for
    ``STALE_SENDING_S``) become ``unconfirmed``: how many this call changed, and the logs
    they belong to."""
    t = RECEIPTS.c
    overdue = or_(
        and_(t.state == "pending", t.due_at <= now),
        and_(t.state == "sending", t.sent_at <= now - timedelta(seconds=STALE_SENDING_S)),
    )
    rows = (await session.execute(select(t.id, t.log_id).where(overdue).limit(limit))).all()
    if not rows:
        return 0, set()
    changed = await session.execute(
        update(RECEIPTS)
        .where(t.id.in_([row.id for row in rows]), overdue)
        .values(state="unconfirmed")
    )
    return changed.rowcount, {row.log_id for row in rows if row.log_id is not None}  # type: ignore[attr-defined]


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete resolved receipts older than ``KEEP_DAYS``; how many."""
    before = now - timedelta(days=KEEP_DAYS)
    gone = await session.execute(
        delete(RECEIPTS).where(RECEIPTS.c.state.in_(RESOLVED), RECEIPTS.c.sent_at < before)
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]


def _parts(rows: list[Any]) -> list[dict[str, Any]]:
    """One entry per part handed over (the best receipt of each: confirmed, then waiting,
    then unconfirmed), in part order."""
    rank = {"confirmed": 0, "sending": 1, "pending": 1, "unconfirmed": 2}
    best: dict[int, Any] = {}
    for row in rows:
        if row.state not in rank:
            continue
        held = best.get(row.part_index)
        if held is None or (rank[row.state], -row.id) < (rank[held.state], -held.id):
            best[row.part_index] = row
    return [_part(best[index]) for index in sorted(best)]


def _part(row: Any) -> dict[str, Any]:
    confirmed = {"confirmed": True, "unconfirmed": False}.get(row.state)
    latency = None
    if confirmed and row.confirmed_at is not None:
        latency = max(0, int((row.confirmed_at - row.sent_at).total_seconds() * 1000))
    return {
        "part": row.part_index,
        "kind": row.kind,
        "device": row.device,
        "confirmed": confirmed,
        "echo_id": row.echo_id,
        "latency_ms": latency,
    }


_COLUMNS = (
    RECEIPTS.c.id,
    RECEIPTS.c.occurrence_id,
    RECEIPTS.c.log_id,
    RECEIPTS.c.part_index,
    RECEIPTS.c.kind,
    RECEIPTS.c.device,
    RECEIPTS.c.state,
    RECEIPTS.c.sent_at,
    RECEIPTS.c.confirmed_at,
    RECEIPTS.c.echo_id,
)


async def parts_by_occurrence(
    session: AsyncSession, occurrence_ids: list[int], *, lock: bool
) -> dict[int, list[dict[str, Any]]]:
    """The parts of each occurrence (for its log row); ``lock`` (MariaDB) holds the rows
    until the log ids are attached, so an echo confirming one meanwhile waits and then
    rewrites the log."""
    if not occurrence_ids:
        return {}
    query = select(*_COLUMNS).where(RECEIPTS.c.occurrence_id.in_(occurrence_ids))
    if lock:
        query = query.with_for_update()
    grouped: dict[int, list[Any]] = {}
    for row in (await session.execute(query.order_by(RECEIPTS.c.id))).all():
        grouped.setdefault(row.occurrence_id, []).append(row)
    return {occ: _parts(rows) for occ, rows in grouped.items()}


async def attach_logs(session: AsyncSession, log_ids: dict[int, int]) -> None:
    """Record each occurrence's log id on its receipts."""
    if not log_ids:
        return
    await session.execute(
        update(RECEIPTS)
        .where(RECEIPTS.c.occurrence_id.in_(list(log_ids)))
        .values(log_id=case(log_ids, value=RECEIPTS.c.occurrence_id))
    )


async def refresh_logs(session: AsyncSession, log_ids: set[int]) -> int:
    """Rewrite the ``api_response`` of each log whose receipts are all resolved (again after
    a late echo); how many were rewritten. Logs still waiting for an echo are left."""
    if not log_ids:
        return 0
    rows = (
        await session.execute(
            select(*_COLUMNS).where(RECEIPTS.c.log_id.in_(sorted(log_ids))).order_by(RECEIPTS.c.id)
        )
    ).all()
    by_log: dict[int, list[Any]] = {}
    for row in rows:
        by_log.setdefault(row.log_id, []).append(row)
    done = {
        lid: found for lid, found in by_log.items() if all(r.state not in WAITING for r in found)
    }
    if not done:
        return 0
    stored = await session.execute(
        select(LOGS.c.id, LOGS.c.api_response).where(LOGS.c.id.in_(done))
    )
    written = 0
    for log_id, api_response in stored.all():
        if (
            not isinstance(api_response, dict)
            or api_response.get("confirmation") == "not_applicable"
        ):
            continue  # not a row this scheme wrote
        responses = api_response.get("responses")
        value = record(
            responses if isinstance(responses, list) else [], _parts(done[log_id]), applicable=True
        )
        await session.execute(update(LOGS).where(LOGS.c.id == log_id).values(api_response=value))
        written += 1
    return written
