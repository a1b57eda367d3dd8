"""Where upload checks run: at most ``limit`` at once, on ``limit`` threads of their own; the
other uploads wait their turn (in asyncio, holding only their bytes).

Decoding an upload can take hundreds of MB (``storage.image_decode``), hence the limit. The
threads are the pool's own, not the event loop's default executor: glibc gives each thread
that allocates its own malloc arena and keeps freed memory there, so checks spread over the
default executor's changing threads add up (measured: ~50-100 MB more resident memory per
new thread), while the same few threads reuse theirs. A request cancelled while its check
runs frees its slot, but the check keeps its thread until it ends, so the threads are the
hard bound.

Created for the application's lifetime by ``web.image_checks`` (a cleanup context registered in
the composition root, ``web.app.init_app``) and shared by every upload door.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ImageCheckPool:
    """``running`` / ``waiting``: checks in progress and uploads waiting for a slot;
    ``on_change``, when set, is called after either changes (e.g. to export them)."""

    def __init__(self, limit: int, *, on_change: Callable[[], None] | None = None) -> None:
        self.limit = limit
        self.running = 0
        self.waiting = 0
        self.on_change = on_change
        self._slots = asyncio.Semaphore(limit)
        self._threads = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="kbot-image")

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on one of the pool's threads, once a slot is free."""
        self._count(waiting=1)
        try:
            await self._slots.acquire()
        finally:
            self._count(waiting=-1)
        self._count(running=1)
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, functools.partial(fn, *args, **kwargs))
        finally:
            self._count(running=-1)
            self._slots.release()

    def close(self) -> None:
        """No new checks; checks still running finish on their threads."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _count(self, *, running: int = 0, waiting: int = 0) -> None:
        self.running += running
        self.waiting += waiting
        if self.on_change is not None:
            self.on_change()
