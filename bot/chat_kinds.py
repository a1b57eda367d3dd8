"""Is the room of an event certainly a 1:1 chat between the bot and its sender?

Where a credential (a web login link) may be posted depends on it, so only certainty counts:
- Kakao skill: the request says so (``ChatEvent.direct``: no ``userRequest.chat`` is the
  1:1 chat with the channel; a group chatbot request names its group);
- Iris: the payload does not say, and the room name is no evidence (KakaoTalk names every
  group room without a custom name after the sender, exactly like a 1:1 chat), so the device
  that sends to the room is asked (``bot.iris.rooms``);
- Iris events without an Iris transport (dry run): nobody can tell.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from bot.events import ChatEvent


class ChatKind(Enum):
    DIRECT = "direct"  # certainly a 1:1 chat with the bot: only the sender reads it
    SHARED = "shared"  # certainly a room that others read too (group, open group)
    UNKNOWN = "unknown"  # could not be established: treat it like SHARED


class RoomKinds(Protocol):
    async def kind_of_room(self, room_id: str) -> ChatKind:
        """What an Iris room is, asked of the device that sends to it."""
        ...


class EventChatKinds:
    """``services.ports.ChatKinds`` for one process: what the event itself says for certain,
    else, for Iris events, ``rooms`` (None when the transport is not Iris: UNKNOWN)."""

    def __init__(self, rooms: RoomKinds | None) -> None:
        self._rooms = rooms

    async def kind_of(self, event: ChatEvent) -> ChatKind:
        if event.direct is not None:
            return ChatKind.DIRECT if event.direct else ChatKind.SHARED
        if event.source == "iris" and self._rooms is not None:
            return await self._rooms.kind_of_room(event.room_id)
        return ChatKind.UNKNOWN
