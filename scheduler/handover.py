"""Handing one part to the sender with its delivery receipt (``storage.receipts``): a
``sending`` row before the request (an echo may beat Iris's HTTP answer), ``pending`` with
the device that took it once Iris accepted, ``failed`` when it failed at a device, no row
when it never reached one. A request cut by the shutdown keeps its ``sending`` row: it may be
on the wire, so a resumed send counts it as handed over and does not send it again.
Without ``Deps.confirm`` (dry run) no receipt is kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.echo import text_key
from bot.sender import Failure, SendError, SendResult
from scheduler.context import Deps, in_transaction, log
from scheduler.parts import Part
from storage import receipts

NEVER_SENT = frozenset(
    {Failure.LATE, Failure.CLOSED, Failure.EMPTY, Failure.BAD_ROOM, Failure.CONFIG}
)


async def handover(
    deps: Deps,
    occurrence_id: int,
    index: int,
    room: str,
    part: Part,
    send: Callable[[], Awaitable[SendResult]],
) -> SendResult:
    """``send()`` the part of ``occurrence_id`` at ``index``, its receipt kept."""
    confirm = deps.confirm
    if confirm is None:
        return await send()
    key = text_key(part.text) if part.kind == "text" else None
    receipt_id = await in_transaction(
        deps,
        lambda s: receipts.open_receipt(
            s,
            occurrence_id=occurrence_id,
            part_index=index,
            room_id=room,
            kind=part.kind,
            text_key=key,
            now=deps.utc_now(),
        ),
    )
    try:
        result = await send()
    except SendError as exc:
        if exc.failure in NEVER_SENT:
            await in_transaction(deps, lambda s: receipts.drop(s, receipt_id))
        else:
            device = confirm.device_for(room)
            await in_transaction(deps, lambda s: receipts.failed(s, receipt_id, device=device))
        raise
    if result.device is None:  # a transport without echoes
        await in_transaction(deps, lambda s: receipts.drop(s, receipt_id))
        return result
    taken_by = result.device
    await in_transaction(
        deps,
        lambda s: receipts.accepted(
            s, receipt_id, device=taken_by, now=deps.utc_now(), timeout_s=confirm.timeout_s
        ),
    )
    log.debug("room %s part %d handed to %s (receipt %d)", room, index, taken_by, receipt_id)
    return result


async def handed_parts(deps: Deps, occurrence_id: int) -> set[int]:
    """The parts of a resumed occurrence already handed over (none without receipts)."""
    if deps.confirm is None:
        return set()
    return await in_transaction(deps, lambda s: receipts.handed_parts(s, occurrence_id))
