"""How much kbot may say in chat: command replies are the one thing anyone in a room can make
the bot post, and the shared bot account pays for every message (KakaoTalk restricts accounts
that send too much). So replies are metered on the injected clock:

- per room and per sender, a token bucket each: ``bot.replies_per_room_per_minute`` and
  ``bot.replies_per_sender_per_minute`` messages, refilled evenly over the minute;
- someone who is not an admin hears a refusal at most once every ``STRANGER_EVERY_S``.

What is over a limit is dropped, never queued (a late answer to a flood helps nobody); the
first drop of a burst is logged. Memory is bounded: the least recently seen keys go first.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

from core.clock import Clock

log = logging.getLogger("kbot.replies")

STRANGER_EVERY_S = 60.0
KEYS_KEPT = 10_000  # per kind of key


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # clock.monotonic() of the last refill
    dropping: bool = False  # a drop was logged and nothing went through since


class _Buckets:
    def __init__(self, per_minute: int) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, wanted: int, now: float) -> tuple[int, _Bucket]:
        bucket = self._buckets.pop(key, None) or _Bucket(self._capacity, now)
        self._buckets[key] = bucket  # now the most recently seen
        if len(self._buckets) > KEYS_KEPT:
            self._buckets.popitem(last=False)
        bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        return min(wanted, int(bucket.tokens)), bucket


class ReplyGate:
    def __init__(self, clock: Clock, *, per_room: int, per_sender: int) -> None:
        self._clock = clock
        self._rooms = _Buckets(per_room)
        self._senders = _Buckets(per_sender)
        self._strangers: OrderedDict[str, float] = OrderedDict()

    def allow(self, room_id: str, user_id: str, wanted: int) -> int:
        """How many of ``wanted`` reply messages may go to ``room_id`` now (the first ones),
        taking them from the room's and the sender's allowance."""
        now = self._clock.monotonic()
        by_room, room = self._rooms.take(room_id, wanted, now)
        by_sender, sender = self._senders.take(user_id, wanted, now)
        allowed = min(by_room, by_sender)
        for bucket in (room, sender):
            bucket.tokens -= allowed
        if allowed < wanted and not (room.dropping and sender.dropping):
            log.warning(
                "replies over the limit in room %s (sender %s): %d of %d message(s) dropped",
                room_id,
                user_id,
                wanted - allowed,
                wanted,
            )
        room.dropping = sender.dropping = allowed < wanted
        return allowed

    def stranger_may_hear(self, user_id: str) -> bool:
        """Whether someone who is not an admin gets an answer now (at most once a minute)."""
        now = self._clock.monotonic()
        last = self._strangers.pop(user_id, None)
        if last is not None and now - last < STRANGER_EVERY_S:
            self._strangers[user_id] = last
            return False
        self._strangers[user_id] = now
        if len(self._strangers) > KEYS_KEPT:
            self._strangers.popitem(last=False)
        return True
