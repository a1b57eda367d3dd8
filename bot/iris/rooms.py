"""What a room is, in the words of KakaoTalk on the Iris device that sends to it.

Iris payloads carry no room type, but Iris answers queries on the device's own KakaoTalk
database (``POST /query``): ``chat_rooms.type`` of a room is one of

| type | room | ``ChatKind`` |
|---|---|---|
| ``DirectChat`` | 1:1 chat with a friend | DIRECT: the only certain 1:1 chat |
| ``MultiChat`` | group chat | SHARED |
| ``OM`` | open-chat group | SHARED |
| ``OD`` | open-chat 1:1 | UNKNOWN (see below) |
| ``MemoChat``, ``PlusChat``, anything else | chat with oneself, channel chat, ... | UNKNOWN |

``OD`` does not count as certain: it is an open-chat room, reached through an open profile
or link under open-chat rules, and no source kbot relies on says who else can read it or how
Iris reports its members. Refusing it costs nothing: admins get links in their ordinary 1:1
chat with the bot, or from an operator (``kbot web-login``).

Answers are kept per (device, room) for ``ttl_s`` (a room's type never changes; the TTL
only bounds how long a mistake would live); failures and unknown rooms are not kept, so the
next ``!웹`` asks again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from bot.chat_kinds import ChatKind
from bot.iris.client import IrisSender
from bot.sender import SendError
from core.clock import Clock

log = logging.getLogger("kbot.iris")

ROOM_TYPE_SQL = "SELECT type FROM chat_rooms WHERE id = ?"
ROOM_TYPE_TTL_S = 6 * 3600.0
ROOM_TYPE_CAPACITY = 10_000  # rooms remembered; the least recently asked goes first

_KINDS = {"DirectChat": ChatKind.DIRECT, "MultiChat": ChatKind.SHARED, "OM": ChatKind.SHARED}


def kind_of_room_type(room_type: str) -> ChatKind:
    """The ``ChatKind`` of a ``chat_rooms.type`` value (module table)."""
    return _KINDS.get(room_type, ChatKind.UNKNOWN)


class IrisRoomKinds:
    """``bot.chat_kinds.RoomKinds`` asking the Iris device that sends to the room (the
    ``IrisSender``'s room-to-device mapping and HTTP session)."""

    def __init__(
        self,
        iris: IrisSender,
        clock: Clock,
        ttl_s: float = ROOM_TYPE_TTL_S,
        capacity: int = ROOM_TYPE_CAPACITY,
    ) -> None:
        if ttl_s < 0 or capacity < 1:
            raise ValueError("ttl_s must be >= 0 and capacity >= 1")
        self._iris = iris
        self._clock = clock
        self._ttl_s = ttl_s
        self._capacity = capacity
        self._types: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()

    async def kind_of_room(self, room_id: str) -> ChatKind:
        device = self._iris.device_for(room_id)
        key = (device, room_id)
        now = self._clock.monotonic()
        kept = self._types.get(key)
        if kept is not None and now - kept[1] < self._ttl_s:
            self._types.move_to_end(key)
            return kind_of_room_type(kept[0])
        room_type = await self._ask(device, room_id)
        if room_type is None:
            return ChatKind.UNKNOWN
        self._types[key] = (room_type, now)
        self._types.move_to_end(key)
        while len(self._types) > self._capacity:
            self._types.popitem(last=False)
        return kind_of_room_type(room_type)

    async def _ask(self, device: str, room_id: str) -> str | None:
        try:
            rows = await self._iris.query(device, ROOM_TYPE_SQL, [room_id])
        except SendError as exc:
            log.warning("Iris %s: cannot tell what room %s is: %s", device, room_id, exc)
            return None
        room_type = rows[0].get("type") if rows else None
        if not isinstance(room_type, str):
            log.warning("Iris %s: no room type for room %s (answer %r)", device, room_id, rows)
            return None
        return room_type
