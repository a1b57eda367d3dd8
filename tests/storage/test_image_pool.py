"""The pool upload checks run on: at most ``limit`` at once, on its own threads, the others
waiting their turn; a failing or cancelled check gives its slot back."""

from __future__ import annotations

import asyncio
import threading

import pytest

from storage.image_pool import ImageCheckPool


class Blocked:
    """Work that tells the loop it started, then waits (on its thread) to be let go."""

    def __init__(self, pool: ImageCheckPool, expected: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.started: list[int] = []
        self.threads: set[str] = set()
        self.all_started = asyncio.Event()
        self.release = threading.Event()
        self._expected = expected
        self._lock = threading.Lock()

    def __call__(self, n: int) -> int:
        with self._lock:
            self.started.append(n)
            self.threads.add(threading.current_thread().name)
            if len(self.started) == self._expected:
                self.loop.call_soon_threadsafe(self.all_started.set)
        assert self.release.wait(timeout=30)
        return n * 10


async def test_at_most_limit_checks_run_at_once() -> None:
    pool = ImageCheckPool(2)
    work = Blocked(pool, expected=2)
    tasks = [asyncio.create_task(pool.run(work, n)) for n in range(3)]
    await asyncio.wait_for(work.all_started.wait(), 30)
    assert (pool.running, pool.waiting) == (2, 1)  # the third waits its turn
    assert len(work.started) == 2
    work.release.set()
    assert await asyncio.gather(*tasks) == [0, 10, 20]
    assert sorted(work.started) == [0, 1, 2]
    assert (pool.running, pool.waiting) == (0, 0)
    assert len(work.threads) <= 2 and all(t.startswith("kbot-image") for t in work.threads)
    pool.close()


async def test_a_failed_or_cancelled_check_frees_its_slot() -> None:
    pool = ImageCheckPool(1)

    def broken() -> None:
        raise ValueError("corrupt")

    with pytest.raises(ValueError, match="corrupt"):
        await pool.run(broken)
    assert (pool.running, pool.waiting) == (0, 0)

    work = Blocked(pool, expected=1)
    first = asyncio.create_task(pool.run(work, 1))
    await asyncio.wait_for(work.all_started.wait(), 30)
    changed = asyncio.Event()
    pool.on_change = changed.set
    second = asyncio.create_task(pool.run(work, 2))
    await changed.wait()
    assert pool.waiting == 1
    second.cancel()  # given up while waiting: it never runs
    with pytest.raises(asyncio.CancelledError):
        await second
    assert pool.waiting == 0
    work.release.set()
    assert await first == 10
    assert work.started == [1]
    assert await pool.run(int, "7") == 7
    pool.close()
