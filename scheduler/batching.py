"""Coalescing many concurrent single-item requests into one batch call.

Each caller awaits its own item's result; one flusher task runs the batch function on
everything queued so far, and whatever arrives while a batch runs goes into the next one. A
failing batch is run again item by item, so only the items that fail alone see the error.
No timer is involved: batches grow by themselves under load and stay single items when idle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from scheduler.context import log

T = TypeVar("T")
R = TypeVar("R")
BatchFn = Callable[[list[T]], Awaitable[Sequence[R]]]


class Coalescer(Generic[T, R]):
    def __init__(
        self, name: str, batch: BatchFn[T, R], max_batch: int = 500, linger: int = 0
    ) -> None:
        """``linger``: event-loop turns to let pass before taking a batch smaller than
        ``max_batch``, so that more requests join it (no time passes on any clock)."""
        self._name = name
        self._batch = batch
        self._max = max_batch
        self._linger = linger
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def run(self, item: T) -> R:
        """``item``'s result, computed in a batch with whatever else is queued."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=f"batch-{self._name}")
        return await future

    async def _flush(self) -> None:
        while self._queue:
            for _ in range(self._linger):
                if len(self._queue) >= self._max:
                    break
                await asyncio.sleep(0)
            taken, self._queue = self._queue[: self._max], self._queue[self._max :]
            try:
                await self._settle(taken)
            except asyncio.CancelledError:
                for _, future in taken + self._queue:
                    future.cancel()
                self._queue = []
                raise

    async def _settle(self, taken: list[tuple[T, asyncio.Future[R]]]) -> None:
        """Run the batch; when it fails, run its items one by one, so that one bad item
        fails alone instead of taking the whole batch with it."""
        try:
            results = await self._batch([item for item, _ in taken])
        except Exception as exc:
            if len(taken) == 1:
                if not taken[0][1].done():
                    taken[0][1].set_exception(exc)
                return
            log.warning(
                "%s batch of %d failed (%r); retrying one by one", self._name, len(taken), exc
            )
            for single in taken:
                await self._settle([single])
            return
        for (_, future), result in zip(taken, results, strict=True):
            if not future.done():
                future.set_result(result)
