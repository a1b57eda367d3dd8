"""The one real-time wait of the tests: poll a probe until it answers, and fail loudly (an
AssertionError naming what was awaited) once the time limit passes. The limit only guards
against a hang; fake time is moved by the tests themselves (``FakeClock``)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


@overload
async def wait_until(
    probe: Callable[[], Awaitable[T]], what: str, *, timeout_s: float = ..., poll_s: float = ...
) -> T: ...


@overload
async def wait_until(
    probe: Callable[[], T], what: str, *, timeout_s: float = ..., poll_s: float = ...
) -> T: ...


async def wait_until(
    probe: Callable[[], Any],
    what: str,
    *,
    timeout_s: float = 5.0,
    poll_s: float = 0.02,
) -> Any:
    """The first truthy answer of ``probe`` (a function or a coroutine function), asked every
    ``poll_s`` seconds of real time; AssertionError with ``what`` after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        answer = probe()
        if inspect.isawaitable(answer):
            answer = await answer
        if answer:
            return answer
        if loop.time() >= deadline:
            raise AssertionError(f"gave up after {timeout_s} s waiting for {what}")
        await asyncio.sleep(poll_s)
