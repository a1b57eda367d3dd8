"""The two database steps of a send, batched across the sends in flight: admitting
occurrences held by id (taken over, or sent now; new ones are admitted by their claim) and
closing every occurrence (logs and counters)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.batching import Coalescer
from scheduler.context import Deps, in_transaction
from scheduler.logbook import Closed, Finished, close_many
from scheduler.room_gate import Begun, begin_many


class Pipeline:
    def __init__(self, deps: Deps, max_batch: int = 500, linger: int = 0) -> None:
        self._deps = deps
        self.begin: Coalescer[int, Begun | None] = Coalescer(
            "begin", lambda ids: begin_many(deps, ids), max_batch
        )
        self.close: Coalescer[Finished, Closed | None] = Coalescer(
            "close", self._close, max_batch, linger
        )

    async def _close(self, items: list[Finished]) -> list[Closed | None]:
        async def work(session: AsyncSession) -> list[Closed | None]:
            return await close_many(session, self._deps, items)

        return await in_transaction(self._deps, work)
