"""What the webhooks keep between requests: the command handler they call, the Iris events
already seen, the bot's own user id, and the background work still running (bounded: when
``MAX_IN_FLIGHT`` tasks are running a new event waits for one to finish, up to
``BUSY_WAIT_S`` for Iris, which never re-sends an event, and within the skill time limit for
Kakao; only then is it refused with 503 "busy")."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bot.events import ChatEvent

log = logging.getLogger("kbot.webhooks")
T = TypeVar("T")

RECENT_EVENT_IDS = 10_000
MAX_IN_FLIGHT = 1_000  # background tasks; about a second or two of commands on SQLite
BUSY_WAIT_S = 10.0  # how long an Iris event waits for room (Iris ignores the answer's timing)
SKILL_TIMEOUT_S = 4.0  # Kakao waits 5 s for a skill answer; keep a margin for the network


class CommandHandler(Protocol):
    """Decides the answer to one chat event: the reply texts in order, or ``None`` to stay
    silent (not a command). ``commands.router.handle_event`` bound to its context fits."""

    async def __call__(self, event: ChatEvent) -> list[str] | None: ...


class RecentIds:
    """The newest ``capacity`` keys seen, for dropping events Iris delivered twice, with how
    often each came (so a re-delivery is reported once, not once per repeat)."""

    def __init__(self, capacity: int = RECENT_EVENT_IDS) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._keys: OrderedDict[Hashable, int] = OrderedDict()

    def seen(self, key: Hashable) -> bool:
        """Record ``key``; ``True`` when it was already recorded."""
        return self.record(key) > 0

    def record(self, key: Hashable) -> int:
        """Record ``key``; how many times it was recorded before (0: new)."""
        before = self._keys.get(key, 0)
        self._keys[key] = before + 1
        self._keys.move_to_end(key)
        if len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return before

    def forget(self, key: Hashable) -> None:
        """Drop ``key``, e.g. of an event that was refused after all."""
        self._keys.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)


class BackgroundTasks:
    """Work that outlives the request that started it, kept so shutdown can wait for it;
    at most ``limit`` counted tasks at once. Uncounted tasks (``spawn(counted=False)``: the
    observers of every Iris event, short database writes that are never dropped) are waited
    for at shutdown like the rest but never take a command's room."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._counted: set[asyncio.Task[Any]] = set()
        self._limit = limit
        self._refusing = False  # a refusal was logged and the set has not drained since
        self._waiters: deque[asyncio.Future[None]] = deque()  # events waiting for room

    def full(self) -> bool:
        return len(self._counted) >= self._limit

    async def room(self, deadline: asyncio.Future[Any]) -> bool:
        """Wait until fewer than ``limit`` tasks run (True), or until ``deadline`` is done
        while still full (False; the first refusal of a burst is logged). Waiters are woken
        one per finished task, first come first served. Call ``spawn`` right after a True,
        before awaiting anything, or the room may be gone."""
        while self.full():
            if deadline.done():
                if not self._refusing:
                    self._refusing = True
                    log.warning(
                        "webhooks busy: %d tasks in flight, refusing new events", self._limit
                    )
                return False
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait({waiter, deadline}, return_when=asyncio.FIRST_COMPLETED)
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake_next()  # woken but leaving: the room goes to the next waiter
                raise
            finally:
                if not waiter.done():
                    waiter.cancel()
        return True

    def _wake_next(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def spawn(
        self, coro: Coroutine[Any, Any, T], name: str, *, counted: bool = True
    ) -> asyncio.Task[T]:
        """Run ``coro`` in the background; wait for ``room()`` first (this does not) unless
        it is not ``counted`` against the limit."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        if counted:
            self._counted.add(task)
        task.add_done_callback(self._finished)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the running tasks, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        if pending:
            log.warning("cancelling %d webhook task(s) still running at shutdown", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task in self._counted:
            self._counted.discard(task)
            self._wake_next()
        if not self._counted:
            self._refusing = False
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook task %s failed", task.get_name(), exc_info=task.exception())


Observer = Callable[[ChatEvent, str | None], Awaitable[None]]


@dataclass
class WebhookState:
    bot_id: str | None  # the bot account's user_id, when known
    # told of every parsed Iris event (the bot's own echoes included) with the ``device``
    # query parameter of its URL, in a background task, before the event is filtered
    observers: list[Observer] = field(default_factory=list)
    recent: RecentIds = field(default_factory=RecentIds)
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)
    skill_timeout_s: float = SKILL_TIMEOUT_S
