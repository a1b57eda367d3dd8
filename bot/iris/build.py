"""Builds the process's ``BotSender`` from the config: ``DryRunSender`` by default, or one
``IrisSender`` with a paced queue per configured Iris device."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dryrun import DryRunSender
from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from bot.iris.safety import DeviceSafety
from bot.iris.standby import RoomReach
from bot.sender import BotSender, SendError
from core.background import running
from core.clock import Clock
from core.config import Config
from storage.kbot_models import Room

log = logging.getLogger("kbot.transport")
DEFAULT_DEVICE = "default"
ROOM_DEVICE_REFRESH_S = 30


_PER_DEVICE = (
    "text_gap_ms",
    "image_gap_ms",
    "jitter_ms",
    "max_per_minute",
    "max_per_hour",
    "max_per_day",
    "breaker_unconfirmed",
    "breaker_pause_s",
    "standby",
)


def iris_devices(cfg: Config) -> list[IrisDevice]:
    """``[bot.iris]`` as the device "default", then each ``[[bot.iris.devices]]``, whose keys
    left out take ``[bot.iris]``'s values (config validation checked the standby names)."""
    iris = cfg.bot.iris
    defaults = {key: getattr(iris, key) for key in _PER_DEVICE}
    devices = [IrisDevice(DEFAULT_DEVICE, iris.url, timeout_s=iris.timeout_s, **defaults)]
    for extra in iris.devices:
        own = {key: getattr(extra, key) for key in _PER_DEVICE}
        values = {key: defaults[key] if own[key] is None else own[key] for key in _PER_DEVICE}
        if extra.standby is None:
            values["standby"] = ""  # the default device's standby is its own, not inherited
        devices.append(IrisDevice(extra.name, extra.url, timeout_s=iris.timeout_s, **values))
    return devices


def device_safety(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> DeviceSafety:
    """The pause, breaker and budgets of the configured Iris devices."""
    return DeviceSafety(
        sessions, iris_devices(cfg), clock, ops_room_id=cfg.alerts.ops_room_id, tz=cfg.tz
    )


class RoomDevices:
    """Which Iris device serves a room (``kbot_rooms.device``), kept in memory for the
    sender's synchronous lookup and refreshed from the database periodically."""

    def __init__(self, known: set[str]) -> None:
        self._known = known
        self._map: dict[str, str] = {}

    def __call__(self, room_id: str) -> str | None:
        return self._map.get(room_id)

    async def refresh(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions() as s:
            rows = (await s.execute(select(Room.chat_id, Room.device))).all()
        mapping = {}
        for chat_id, device in rows:
            if device and device in self._known:
                mapping[chat_id] = device
            elif device:
                log.warning("room %s names unknown Iris device %r; using default", chat_id, device)
        self._map = mapping


@contextlib.asynccontextmanager
async def open_sender(
    cfg: Config,
    http: aiohttp.ClientSession,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    safety: DeviceSafety | None = None,
    reach: RoomReach | None = None,
) -> AsyncIterator[tuple[BotSender, IrisSender | None]]:
    """The sender for the block, and the same sender as an ``IrisSender`` when the transport
    is Iris (None in a dry run). Iris's room devices and which devices are in which rooms
    (``reach``, for standby failover; built here when not given) are refreshed from the
    database, and every device's ``GET /config`` asked, every ``ROOM_DEVICE_REFRESH_S`` while
    the block runs. The devices' pause and budgets (``safety``, built here when not given)
    hold the sender's queues, and their checks run while the block runs."""
    if cfg.bot.transport == "dryrun":
        log.info("transport: dryrun (sends are logged, not delivered)")
        yield DryRunSender(), None
        return
    devices = iris_devices(cfg)
    room_devices = RoomDevices({d.name for d in devices})
    await room_devices.refresh(sessions)
    safety = safety or device_safety(cfg, sessions, clock)
    reach = reach or RoomReach(devices)
    await reach.refresh(sessions)
    sender = IrisSender(
        http,
        devices,
        clock,
        room_device=room_devices,
        gates=safety.gates,
        standby_for=reach.standby_for,
    )
    await sender.start()
    log.info("transport: iris (%s)", ", ".join(f"{d.name}={d.url}" for d in devices))
    try:
        refresh = _refresh_loop(sender, room_devices, sessions, clock, reach)
        async with (
            running(refresh, name="room-devices"),
            running(safety.run(sender), name="device-safety"),
        ):
            yield sender, sender
    finally:
        await sender.close()


async def _refresh_loop(
    sender: IrisSender,
    room_devices: RoomDevices,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    reach: RoomReach,
) -> None:
    while True:
        try:
            await room_devices.refresh(sessions)
            await reach.refresh(sessions)
            for device in list(sender.last_config_ok):
                with contextlib.suppress(SendError):
                    await sender.fetch_config(device)
        except SQLAlchemyError as exc:
            log.warning("room device refresh failed: %s", type(exc).__name__)
        await clock.sleep(ROOM_DEVICE_REFRESH_S)
