"""Which Iris devices can send into a room: its own device (``kbot_rooms.device``, else the
first device) and the devices whose KakaoTalk accounts are known to be in it, by traffic
(``seen``: ``bot.iris.standby``) or by the operator's word (``operator``). While a device is
paused its configured ``standby`` takes over the rooms it is known to be in; the others wait.

The operator (the CLI, actor None) tells kbot that a device is in a room, or that it left.
Device names are those of the configuration (``bot.iris``); a change is audited as ``cli``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.devices import IrisDevice
from core.clock import Clock
from services.access_views import Changed, numeric_id
from services.errors import Conflict, Invalid, NotFound, quote
from storage import audit, room_devices
from storage.kbot_models import Room


@dataclass(frozen=True, slots=True)
class StandbyView:
    """A device told to be in a room, with what that means for failover."""

    chat_id: str
    room_name: str
    member: str  # the device told
    device: str  # the room's own device
    standby: str | None  # the own device's configured standby (the one that takes over)


class StandbyService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        devices: Sequence[IrisDevice],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._names = [device.name for device in devices]
        self._standby = {device.name: device.standby or None for device in devices}

    def device(self, name: str, field: str) -> str:
        """``name`` when a configured Iris device has it; ``Invalid`` naming ``field`` and the
        configured devices otherwise."""
        if name in self._names:
            return name
        devices = ", ".join(self._names)
        raise Invalid(field, f"{quote(name)}: 설정에 없는 Iris 기기입니다 (기기: {devices}).")

    def own_device(self, room: Room) -> str:
        """The device that sends to ``room`` (an unknown name falls back to the first)."""
        return room.device if room.device in self._names else self._names[0]

    def check_member(self, own: str | None, member: str) -> str:
        """``member`` as a device that may be told to be in a room sent to by ``own`` (None:
        the first device): a configured device other than ``own``."""
        member = self.device(member, "standby")
        if member == (own or self._names[0]):
            raise Conflict(
                "standby", f"{quote(member)}: 이 방에 보내는 기기입니다 (대기 기기는 다른 기기)."
            )
        return member

    async def add(self, chat_id: str, device: str) -> Changed[StandbyView]:
        """Record that ``device``'s account is in the room (unchanged when known already)."""
        at = self._clock.now()
        async with self._sessions.begin() as s:
            room = await _room(s, chat_id)
            own = self.own_device(room)
            device = self.check_member(own, device)
            changed = await room_devices.add_operator(s, room.chat_id, device, at=at)
            if changed:
                _audit(s, room, "standby_add", device, at)
        return Changed(self._view(room, device, own), changed)

    async def remove(self, chat_id: str, device: str) -> Changed[StandbyView]:
        """Forget that ``device``'s account is in the room (it left, or was never there)."""
        device = self.device(device, "standby")
        async with self._sessions.begin() as s:
            room = await _room(s, chat_id)
            changed = await room_devices.forget(s, room.chat_id, device)
            if changed:
                _audit(s, room, "standby_remove", device, self._clock.now())
        return Changed(self._view(room, device, self.own_device(room)), changed)

    async def members(self) -> dict[str, list[tuple[str, str]]]:
        """Per room, the configured devices known to be in it: ``(device, seen|operator)``."""
        async with self._sessions() as s:
            pairs = await room_devices.all_pairs(s)
        known: dict[str, list[tuple[str, str]]] = {}
        for pair in pairs:
            if pair.device in self._names:
                known.setdefault(pair.room_id, []).append((pair.device, pair.source))
        return known

    def _view(self, room: Room, member: str, own: str) -> StandbyView:
        return StandbyView(room.chat_id, room.name, member, own, self._standby[own])


async def _room(session: AsyncSession, chat_id: str) -> Room:
    chat_id = numeric_id(chat_id, "room_id")
    room = await session.scalar(select(Room).where(Room.chat_id == chat_id))
    if room is None:
        raise NotFound("room_id", f"방 {chat_id}: 등록되지 않은 방입니다.")
    return room


def _audit(session: AsyncSession, room: Room, action: str, device: str, at: datetime) -> None:
    audit.record(
        session,
        at=at,
        actor=audit.CLI_ACTOR,
        action=action,
        entity="room",
        entity_id=room.chat_id,
        after={"device": device},
    )
