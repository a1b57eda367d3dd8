"""Standby failover: which devices can reach which rooms, and learning it from traffic.

A device can only send into rooms its KakaoTalk account is a member of, so a paused device
(``IrisSender``'s gates) hands a room's waiting request to its configured ``standby`` only
when the standby is known to be in that room (``kbot_room_devices``, ``storage.room_devices``);
other rooms wait for their own device.

``RoomReach`` keeps that knowledge in memory for the sender's synchronous ``standby_for``,
reloaded from the database with the room devices (``bot.iris.build``) and told at once of
what this process learns. ``MembershipRecorder`` learns it: as a ``/webhook/iris`` observer it
records each event's room as seen by the device its URL names (``&device=NAME``; without it
only when one device is configured), the bot's own echoes included, writing each pair at most
once per ``SEEN_WRITE_EVERY_S``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.events import ChatEvent
from bot.iris.devices import IrisDevice
from core.clock import Clock
from storage import room_devices
from storage.kbot_models import Room

log = logging.getLogger("kbot.standby")

SEEN_WRITE_EVERY_S = 300.0  # a room+device pair is written at most this often (the webhook is hot)
MAX_THROTTLE_KEYS = 20_000  # pairs remembered for the throttle before old ones are dropped
MAX_WARNED_NAMES = 100  # unknown device names warned about (once each)


class RoomReach:
    """Which devices' accounts are known to be in which rooms, and each device's standby."""

    def __init__(self, devices: Sequence[IrisDevice]) -> None:
        self.names = tuple(device.name for device in devices)
        self.standby = {device.name: device.standby for device in devices if device.standby}
        self.rooms: tuple[str, ...] = ()  # the active registered rooms, as of the last refresh
        self._members: dict[str, dict[str, str]] = {}  # room -> device -> seen | operator
        self._noted: list[tuple[str, str, str]] | None = None  # told during a refresh

    def standby_for(self, room: str, device: str) -> str | None:
        """``device``'s standby when it is known to be in ``room``, else None (it waits)."""
        standby = self.standby.get(device)
        return standby if standby and standby in self._members.get(room, {}) else None

    def members(self, room: str) -> dict[str, str]:
        """The devices known to be in ``room`` (its own device need not be among them), each
        with how it is known: ``seen`` or ``operator``."""
        return dict(self._members.get(room, {}))

    def note(self, room: str, device: str, source: str) -> None:
        """What this process just learned; told after the database write, so that a refresh
        which read the database before the write keeps it too."""
        self._members.setdefault(room, {})[device] = source
        if self._noted is not None:
            self._noted.append((room, device, source))

    async def refresh(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Reload the pairs of configured devices and the active rooms from the database."""
        self._noted = []
        try:
            async with sessions() as s:
                pairs = await room_devices.all_pairs(s)
                active = select(Room.chat_id).where(Room.active.is_(True)).order_by(Room.id)
                rooms = tuple(await s.scalars(active))
            members: dict[str, dict[str, str]] = {}
            for pair in pairs:
                if pair.device in self.names:
                    members.setdefault(pair.room_id, {})[pair.device] = pair.source
            for room, device, source in self._noted:  # learned while the database was read
                members.setdefault(room, {})[device] = source
            self._members, self.rooms = members, rooms
        finally:
            self._noted = None


class MembershipRecorder:
    """A ``WebhookState`` observer: ``(event, device parameter)`` -> the pair recorded."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], reach: RoomReach, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._reach = reach
        self._clock = clock
        self._written: dict[tuple[str, str], float] = {}  # pair -> clock.monotonic() of its write
        self._warned: set[str] = set()

    async def __call__(self, event: ChatEvent, device: str | None) -> None:
        name = self._device(device)
        if name is None:
            return
        pair = (event.room_id, name)
        now = self._clock.monotonic()
        last = self._written.get(pair)
        if last is None or now - last >= SEEN_WRITE_EVERY_S:
            self._remember(pair, now)
            try:
                async with self._sessions.begin() as s:
                    await room_devices.note_seen(s, event.room_id, name, at=self._clock.now())
            except SQLAlchemyError as exc:
                self._written.pop(pair, None)  # the next event of the pair tries again
                log.warning(
                    "could not record that Iris %s sees room %s: %s",
                    name,
                    pair[0],
                    type(exc).__name__,
                )
        # after the write: a refresh that read the database before it keeps this too
        self._reach.note(event.room_id, name, room_devices.SEEN)

    def _device(self, param: str | None) -> str | None:
        """The configured device the URL names; with no name, the only device if there is one."""
        names = self._reach.names
        if not param:
            return names[0] if len(names) == 1 else None
        if param in names:
            return param
        if param not in self._warned and len(self._warned) < MAX_WARNED_NAMES:
            self._warned.add(param)
            log.warning(
                "/webhook/iris: device=%r is not a configured Iris device (%s): its events are "
                "handled, but which rooms it sees is not recorded",
                param[:50],
                ", ".join(names),
            )
        return None

    def _remember(self, pair: tuple[str, str], now: float) -> None:
        if len(self._written) >= MAX_THROTTLE_KEYS:
            fresh = {k: t for k, t in self._written.items() if now - t < SEEN_WRITE_EVERY_S}
            self._written = fresh if len(fresh) < MAX_THROTTLE_KEYS else {}
        self._written[pair] = now
