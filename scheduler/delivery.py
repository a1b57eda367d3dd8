"""Sending one claimed occurrence: checks, room slot, the parts in order with the schedule's
interval between them, retries of retryable errors inside the grace window, progress after
every confirmed part but the last (so a crashed send resumes after it), and the final log,
which also records the last part. The occurrence stays 'sending' until its log is written.
Admission and the log go through the ``Pipeline``, batched with the other sends in flight.

A send somebody asked for (manual or test) is retried at most ``INTERACTIVE_RETRIES`` times,
and when the scheduler stops in the middle of it, it ends with its log row (a scheduled one is
left for another worker to resume). Errors in the log are the short Korean reasons people
read; the technical detail of each failed attempt goes to ``api_response``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sender import BotSender, Failure, SendError
from core.human import duration
from core.timeutil import from_local_naive, from_utc_naive
from scheduler.attempts import INTERACTIVE_RETRIES, Attempt, Interrupted, Pause, Progress
from scheduler.context import Deps, in_transaction, log
from scheduler.handover import handed_parts
from scheduler.held import Held
from scheduler.logbook import SKIPPED, Finished, Result
from scheduler.parts import Part, PartError, build_parts
from scheduler.pipeline import Pipeline
from scheduler.room_gate import Begun
from scheduler.send_alerts import send_alerts
from storage.kbot_models import Occurrence

STOPPED = "kbot이 종료되어 발송을 마치지 못했습니다"
UNEXPECTED = "알 수 없는 오류로 보내지 못했습니다"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # success | failed | partial | interrupted | pending (still going on)
    log_id: int | None = None
    error: str | None = None  # why not (yet) fully sent, in Korean
    starts_in_s: int | None = None  # pending: seconds until it starts (the room's next slot)


async def deliver(
    deps: Deps,
    sender: BotSender,
    pause: Pause,
    held: int | Begun,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Send an occurrence to the end: one admitted already, or one held by id (admitted
    here). ``pipeline`` batches its database steps with those of the other sends in flight;
    ``progress`` is kept up to date for a person waiting."""
    pipeline = pipeline or Pipeline(deps)
    begun = held if isinstance(held, Begun) else await pipeline.begin.run(held)
    if begun is None:
        return Outcome("interrupted", error="occurrence gone, closed or leased by another")
    occ, row = begun.occ, begun.row
    result = Result(responses=list((occ.detail or {}).get("responses", [])))
    result.parts_done = occ.parts_done
    try:
        if begun.refusal is not None:
            result.error, result.stops, result.access = begun.refusal, begun.stops, begun.access
        else:
            await _send(deps, sender, pause, begun, result, progress or Progress())
        closed = await pipeline.close.run(Finished(occ, row, result))
    except Interrupted:
        return Outcome("interrupted")
    if closed is None:
        log.warning("occurrence %d: lease lost before its log was written", occ.id)
        return Outcome("interrupted")
    deps.report(result.status, _lateness(deps, occ))
    if deps.notify is not None:
        for alert in send_alerts(row, occ, result, closed):
            try:
                await deps.notify(alert)
            except Exception:
                log.exception("alert to room %s failed", alert.room_id)
    return Outcome(result.status, closed.log_id, for_people(result.error))


def for_people(error: str | None) -> str | None:
    """A log's error as a person reads it (without the machine marker of a skip)."""
    return error.removeprefix(SKIPPED) if error is not None else None


def _lateness(deps: Deps, occ: Held) -> float:
    """Seconds from the scheduled time to the first part's start; 0 when never started."""
    if occ.started_at is None:
        return 0.0
    scheduled = from_local_naive(occ.scheduled_at, deps.tz)
    return (from_utc_naive(occ.started_at) - scheduled).total_seconds()


async def _send(
    deps: Deps, sender: BotSender, pause: Pause, begun: Begun, result: Result, progress: Progress
) -> None:
    occ, row = begun.occ, begun.row
    scheduled = from_local_naive(occ.scheduled_at, deps.tz)
    deadline = scheduled + timedelta(seconds=deps.settings.misfire_grace_s)
    try:
        parts = build_parts(row)
    except PartError as exc:  # a resumed send whose schedule was edited since
        result.error = str(exc)
        return
    if begun.slot is None and deps.clock.now() > deadline:  # a crashed send found too late
        gone = (deps.clock.now() - scheduled).total_seconds()
        result.error = (
            f"남은 부분은 보내지 않았습니다: 예정 시각보다 {duration(gone * 1000)} 뒤에야 "
            "이어서 보낼 수 있었습니다."
        )
        _summarise(result, parts)
        return
    try:
        if begun.slot is not None:
            wait = (begun.slot - deps.clock.now()).total_seconds()
            if wait > 0:
                log.info("occurrence %d waits %.0fs for room %s", occ.id, wait, occ.target_room_id)
                if not await pause(wait):
                    raise Interrupted
            late = (deps.clock.now() - scheduled).total_seconds()
            if late >= 1:
                log.info("occurrence %d of schedule %d sent %.0fs late", occ.id, row.id, late)
        await _send_parts(deps, sender, pause, begun, parts, result, deadline, progress)
    except Interrupted:
        if occ.kind == "scheduled":
            raise  # left for this or another worker to resume
        result.error = STOPPED  # a person asked for it: it ends here, with its log
    _summarise(result, parts)


async def _send_parts(
    deps: Deps,
    sender: BotSender,
    pause: Pause,
    begun: Begun,
    parts: list[Part],
    result: Result,
    deadline: datetime,
    progress: Progress,
) -> None:
    occ, row = begun.occ, begun.row
    retries = None if occ.kind == "scheduled" else INTERACTIVE_RETRIES
    handed = await handed_parts(deps, occ.id) if begun.slot is None else set()  # resumed
    for index in range(result.parts_done, len(parts)):
        if index in handed:  # resumed after a crash: it may be in the room already
            log.info(
                "occurrence %d: part %d was handed to Iris before, not sent again", occ.id, index
            )
            result.responses.append({"resumed": "handed over before", "part": index})
            result.parts_done = index + 1
            continue
        gap = (row.send_interval_seconds or 0) if index > 0 else 0
        if not await pause(gap):  # also: no part begins once the scheduler is stopping
            raise Interrupted
        part = parts[index]
        attempt = Attempt(
            deps, pause, occ.id, index, occ.target_room_id, part, deadline, retries, progress
        )
        try:
            sent = await attempt.run(sender, result.responses)
        except PartError as exc:  # its message names the part
            result.error = str(exc)
            return
        except SendError as exc:
            result.error = _failed_part(part, exc, sent_before=index > 0)
            return
        except Interrupted:
            raise
        except Exception as exc:  # a transport bug must still end in a log, not a retry loop
            log.exception("occurrence %d: unexpected error sending %s", occ.id, part)
            result.error = f"{part.describe()}: {UNEXPECTED}"
            result.responses.append({"error": repr(exc)})
            return
        result.responses.append(sent.raw)
        result.parts_done = index + 1
        if result.parts_done < len(parts):  # the last one is recorded with the log
            await _progress(deps, occ.id, result.parts_done, len(parts), result.responses)


def _failed_part(part: Part, exc: SendError, *, sent_before: bool) -> str:
    """The log's reason for a part that failed. A part the device held (pause, budget) past
    the misfire deadline follows the misfire rule: with nothing sent yet, the occurrence is
    a skip; after earlier parts, it is partial (by the parts done)."""
    reason = f"{part.describe()}: {exc.reason}"
    if exc.failure is Failure.LATE and not sent_before:
        return f"{SKIPPED}{reason}"
    return reason


def _summarise(result: Result, parts: list[Part]) -> None:
    confirmed = parts[: result.parts_done]
    texts = [p.text for p in confirmed if p.kind == "text"]
    result.text_sent = texts[0] if texts else None
    result.sent_images = [p.image for p in confirmed if p.image is not None]
    done = result.parts_done
    result.status = "success" if done == len(parts) else ("partial" if done else "failed")


async def _progress(deps: Deps, occ_id: int, done: int, total: int, responses: list[Any]) -> None:
    async def work(session: AsyncSession) -> int:
        outcome = await session.execute(
            update(Occurrence)
            .where(Occurrence.id == occ_id, Occurrence.lease_owner == deps.owner)
            .values(
                parts_done=done,
                parts_total=total,
                detail={"responses": responses},
                lease_expires_at=deps.lease_until(),
            )
        )
        return outcome.rowcount  # type: ignore[attr-defined]

    if await in_transaction(deps, work) != 1:
        log.warning("occurrence %d: lease lost to another worker, stopping", occ_id)
        raise Interrupted
