"""``core.background``: a periodic round cancelled by shutdown finishes what it started
(within its grace) and the cancellation still reaches the caller (``settled``); a round that
raises is logged and the rounds go on, on the clock (``periodically``)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from core.background import periodically, settled
from tests.support.fakes import FakeClock


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


async def test_rounds_run_on_the_clock_and_a_failing_one_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    rounds: list[int] = []

    async def round_() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("database gone")

    loop = asyncio.ensure_future(
        periodically(round_, 5, clock, logging.getLogger("kbot.test"), "test sweep")
    )
    await clock.wait_for_sleepers(1)
    assert rounds == [0]  # the first round at once
    for _ in range(2):
        await clock.advance(5)
        await clock.wait_for_sleepers(1)
    assert rounds == [0, 1, 2]  # the failure did not stop the rounds
    assert "test sweep failed" in caplog.text
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
