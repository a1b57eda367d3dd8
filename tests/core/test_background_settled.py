"""``core.background.settled``: a periodic round cancelled by shutdown finishes what it
started (within its grace), and the cancellation still reaches the caller."""

from __future__ import annotations

import asyncio

import pytest

from core.background import settled


async def test_a_cancelled_round_finishes_then_the_cancellation_is_raised() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def round_() -> None:
        started.set()
        await release.wait()
        finished.append("committed")

    caller = asyncio.ensure_future(settled(round_(), grace_s=5))
    await started.wait()
    caller.cancel()
    await asyncio.sleep(0)
    assert not caller.done()  # still letting the round finish
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert finished == ["committed"]


async def test_a_round_past_its_grace_is_cancelled() -> None:
    started = asyncio.Event()
    cut: list[str] = []

    async def round_() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cut.append("cut")
            raise

    caller = asyncio.ensure_future(settled(round_(), grace_s=0.01))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert cut == ["cut"]


async def test_a_round_returns_its_value() -> None:
    async def round_() -> int:
        return 3

    assert await settled(round_()) == 3
