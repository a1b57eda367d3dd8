"""Handing one part to the sender with its delivery receipt (``storage.receipts``): a
``sending`` row before the request (an echo may beat Iris's HTTP answer), ``pending`` with
the device that took it once Iris accepted, ``failed`` when it failed at a device, no row
when it never reached one. A request cut by the shutdown keeps its ``sending`` row: it may be
on the wire, so a resumed send counts it as handed over and does not send it again.
Without ``Deps.confirm`` (dry run) no receipt is kept.

The receipts of the sends in flight are written in batches (``ReceiptWriter``): one insert
and one update per batch, not one transaction per part."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.echo import text_key
from bot.sender import Failure, SendError, SendResult
from scheduler.batching import Coalescer
from scheduler.bulk import insert_ids
from scheduler.context import Deps, in_transaction, log
from scheduler.parts import Part
from storage import receipts
from storage.receipts import Opening, Settling

NEVER_SENT = frozenset(
    {Failure.LATE, Failure.CLOSED, Failure.EMPTY, Failure.BAD_ROOM, Failure.CONFIG}
)
LINGER = 2  # event-loop turns a batch waits for more receipts to join it


class ReceiptWriter:
    """The receipts' writes, batched across the sends in flight."""

    def __init__(self, deps: Deps, timeout_s: float) -> None:
        self._deps = deps
        self.timeout_s = timeout_s  # bot.confirm_timeout_s
        self.opens: Coalescer[Opening, int] = Coalescer("receipts-open", self._open, 500, LINGER)
        self.settles: Coalescer[Settling, None] = Coalescer(
            "receipts-settle", self._settle, 500, LINGER
        )

    async def _open(self, items: list[Opening]) -> list[int]:
        rows = [receipts.opening_row(item) for item in items]
        table = cast(Table, receipts.RECEIPTS)

        async def work(session: AsyncSession) -> list[int]:
            return await insert_ids(session, table, rows, mysql=self._deps.mysql)

        return await in_transaction(self._deps, work)

    async def _settle(self, items: list[Settling]) -> list[None]:
        now, timeout_s = self._deps.utc_now(), self.timeout_s
        await in_transaction(
            self._deps, lambda s: receipts.settle_many(s, items, now=now, timeout_s=timeout_s)
        )
        return [None] * len(items)


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
    opening = Opening(occurrence_id, index, room, part.kind, key, deps.utc_now())
    receipt_id = await confirm.writer.opens.run(opening)
    try:
        result = await send()
    except SendError as exc:
        if exc.failure in NEVER_SENT:
            await confirm.writer.settles.run(Settling(receipt_id, "dropped"))
        else:
            failed = Settling(receipt_id, "failed", confirm.device_for(room))
            await confirm.writer.settles.run(failed)
        raise
    if result.device is None:  # a transport without echoes
        await confirm.writer.settles.run(Settling(receipt_id, "dropped"))
        return result
    await confirm.writer.settles.run(Settling(receipt_id, "accepted", result.device))
    log.debug("room %s part %d handed to %s (receipt %d)", room, index, result.device, receipt_id)
    return result


async def handed_parts(deps: Deps, occurrence_id: int) -> set[int]:
    """The parts of a resumed occurrence already handed over (none without receipts)."""
    if deps.confirm is None:
        return set()
    return await in_transaction(deps, lambda s: receipts.handed_parts(s, occurrence_id))
