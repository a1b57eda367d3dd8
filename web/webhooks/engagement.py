"""The engagement observer (issue 19): a ``WebhookState`` observer that records, for every
Iris event of a room kbot knows, a member's 답장 to the bot's message
(``storage.engagement.record_reply``, at once) and one more member message in the room's
hour (counted in memory and added to ``kbot_room_activity`` every ``FLUSH_S`` of clock time
and at shutdown by ``flush``: one upsert per room and hour instead of one per message, so a
busy room never costs a write per message; a crash loses at most the last ``FLUSH_S`` of
counts). The same loop deletes activity hours past their keep time every ``PRUNE_EVERY_S``,
with whichever transport sends. The capture runs in the webhook's background task, so the
webhook's answer never waits for it, and it never raises: garbage is skipped, a database
error is logged.

What counts as a member message: an Iris event that is not a feed event (join, leave, ...)
and not the bot's own (``isMine`` or the bot's user id). Commands to the bot count too: they
are messages members wrote in the room, and a report's "activity" means the room talking at
all. Replies count as messages as well.

Counting each message once: every Iris device whose account is in the room forwards the same
message, possibly to different kbot processes. Only the copy that came through the room's own
sending device counts (``kbot_rooms.device``, NULL = "default"; the webhook URL's ``device``
parameter, none = "default"), a rule every process applies alike without sharing state. A
device re-delivering the same event to this process is dropped by its message id (a bounded
memory per process; a re-delivery reaching another process would count twice, which Iris does
not do in practice). While a room's own device is down its room's messages are not counted:
a gap, never a double count. Replies need no such rule: ``reply_id`` is unique.

Rooms kbot does not know (no ``kbot_rooms`` row) store nothing, so chatter in random rooms
cannot grow the tables. Which rooms are known is cached for ``ROOM_CACHE_S`` of clock time.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.events import ChatEvent
from bot.replies import message_id, replied_to, written_at
from core.background import periodically
from core.clock import Clock
from core.timeutil import to_utc_naive
from storage import engagement
from web.webhooks.state import RecentIds

log = logging.getLogger("kbot.engagement")
ROOM_CACHE_S = 60.0
FLUSH_S = 5.0
PRUNE_EVERY_S = 3600.0
MAX_PENDING = 100_000  # room hours kept for the next flush while the database fails
MAX_CACHED_ROOMS = 10_000
_UNKNOWN = ""  # cached: not a registered room


class EngagementCapture:
    """``(event, device parameter)`` -> the reply and the room's message count recorded."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, bot_id: str | None
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._bot_id = bot_id
        self._seen = RecentIds()
        self._rooms: dict[str, tuple[str, float]] = {}  # room -> (device or _UNKNOWN, when)
        self._pending: Counter[tuple[str, datetime]] = Counter()  # (room, hour) -> messages
        self._pruned_at: float | None = None

    async def run(self) -> None:
        """Flush the counted messages every ``FLUSH_S`` on the clock until cancelled."""
        await periodically(self._round, FLUSH_S, self._clock, log, "room activity flush")

    async def _round(self) -> None:
        await self.flush()
        mono = self._clock.monotonic()
        if self._pruned_at is not None and mono - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = mono
        async with self._sessions.begin() as session:
            hours = await engagement.prune_activity(session, to_utc_naive(self._clock.now()))
        if hours:
            log.info("pruned %d old room activity hour(s)", hours)

    async def flush(self) -> int:
        """Add the messages counted since the last flush to the database (one transaction);
        how many. On a database error the counts are kept for the next flush (up to
        ``MAX_PENDING`` room hours; beyond that they are dropped and logged)."""
        counts, self._pending = self._pending, Counter()
        if not counts:
            return 0
        try:
            async with self._sessions.begin() as session:
                await engagement.add_messages(session, counts)
        except SQLAlchemyError as exc:
            if len(self._pending) + len(counts) <= MAX_PENDING:
                self._pending.update(counts)
            else:
                log.error("%d room activity counts dropped", sum(counts.values()))
            log.warning("room activity not written yet: %s", type(exc).__name__)
            return 0
        return sum(counts.values())

    async def __call__(self, event: ChatEvent, device: str | None) -> None:
        try:
            await self._capture(event, device)
        except SQLAlchemyError as exc:
            log.warning(
                "engagement of an event in room %s not recorded: %s",
                event.room_id,
                type(exc).__name__,
            )

    async def _capture(self, event: ChatEvent, device: str | None) -> None:
        if event.source != "iris" or event.is_feed or event.is_mine:
            return
        if self._bot_id is not None and event.user_id == self._bot_id:
            return
        msg_id = message_id(event)
        if msg_id is None:
            return  # no usable id: cannot be told apart from its copies
        via = device or engagement.DEFAULT_DEVICE
        if self._seen.seen((event.room_id, via, msg_id)):
            return
        owner = await self._room_device(event.room_id)
        if owner is None:
            return
        counts = via == owner
        source = replied_to(event)
        if not counts and source is None:
            return
        at = written_at(event, self._clock.now())
        if counts:
            self._pending[(event.room_id, engagement.hour_of(at))] += 1
        if source is not None:
            async with self._sessions.begin() as session:
                await engagement.record_reply(
                    session, reply_id=msg_id, src_echo_id=source, room_id=event.room_id, at=at
                )

    async def _room_device(self, room_id: str) -> str | None:
        """The room's sending device, None for a room kbot does not know (cached)."""
        now = self._clock.monotonic()
        cached = self._rooms.get(room_id)
        if cached is not None and now - cached[1] < ROOM_CACHE_S:
            return cached[0] or None
        async with self._sessions() as session:
            device = await engagement.room_device(session, room_id)
        if len(self._rooms) >= MAX_CACHED_ROOMS:
            self._rooms.clear()
        self._rooms[room_id] = (device or _UNKNOWN, now)
        return device
