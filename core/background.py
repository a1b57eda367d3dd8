"""A background task that lives as long as an ``async with`` block, and periodic work whose
round a shutdown does not cut in the middle of a transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

from core.clock import Clock

T = TypeVar("T")
SETTLE_S = 5.0  # how long a cancelled round may still run to finish what it started


@contextlib.asynccontextmanager
async def running(work: Coroutine[Any, Any, None], *, name: str) -> AsyncIterator[None]:
    """Run ``work`` as a task for the block; cancel it (and wait for it) when the block ends."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def settled(round_: Coroutine[Any, Any, T], grace_s: float = SETTLE_S) -> T:
    """Await one round of a periodic sweep. When the caller is cancelled (shutdown), the
    round gets ``grace_s`` (real time) to finish, so a database transaction is committed or
    rolled back and its connection returned rather than dropped half-way; then it is
    cancelled. The caller's cancellation is raised either way."""
    task = asyncio.ensure_future(round_)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        _, pending = await asyncio.wait({task}, timeout=grace_s)
        for late in pending:
            late.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await late
        raise


async def periodically(
    round_: Callable[[], Coroutine[Any, Any, object]],
    every_s: float,
    clock: Clock,
    log: logging.Logger,
    what: str,
) -> None:
    """Run ``round_`` every ``every_s`` of ``clock`` time until cancelled (first at once);
    a round that raises is logged as ``what`` and the next one runs as usual; a round cut by
    the cancellation gets ``settled``'s grace."""
    while True:
        try:
            await settled(round_())
        except Exception:
            log.exception("%s failed", what)
        await clock.sleep(every_s)
