"""Builds the process's ``BotSender`` from the config: ``DryRunSender`` by default, or one
``IrisSender`` with a paced queue per configured Iris device."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dryrun import DryRunSender
from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from bot.sender import SendError
from core.config import Config
from storage.kbot_models import Room
from web import keys

log = logging.getLogger("kbot.transport")
DEFAULT_DEVICE = "default"
ROOM_DEVICE_REFRESH_S = 30


def iris_devices(cfg: Config) -> list[IrisDevice]:
    iris = cfg.bot.iris
    devices = [
        IrisDevice(DEFAULT_DEVICE, iris.url, iris.text_gap_ms, iris.image_gap_ms, iris.timeout_s)
    ]
    for extra in iris.devices:
        devices.append(
            IrisDevice(
                extra.name,
                extra.url.rstrip("/"),
                iris.text_gap_ms if extra.text_gap_ms is None else extra.text_gap_ms,
                iris.image_gap_ms if extra.image_gap_ms is None else extra.image_gap_ms,
                iris.timeout_s,
            )
        )
    return devices


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


async def bot_sender_ctx(app: web.Application) -> AsyncIterator[None]:
    cfg = app[keys.CONFIG]
    if cfg.bot.transport == "dryrun":
        app[keys.SENDER] = DryRunSender()
        log.info("transport: dryrun (sends are logged, not delivered)")
        yield
        return
    devices = iris_devices(cfg)
    room_devices = RoomDevices({d.name for d in devices})
    await room_devices.refresh(app[keys.SESSIONS])
    sender = IrisSender(app[keys.HTTP], devices, app[keys.CLOCK], room_device=room_devices)
    await sender.start()
    app[keys.SENDER] = sender
    app[keys.IRIS] = sender
    log.info("transport: iris (%s)", ", ".join(f"{d.name}={d.url}" for d in devices))
    refresher = asyncio.create_task(_refresh_loop(app, room_devices), name="room-devices")
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        await sender.close()


async def _refresh_loop(app: web.Application, room_devices: RoomDevices) -> None:
    sender = app[keys.IRIS]
    while True:
        try:
            await room_devices.refresh(app[keys.SESSIONS])
            for device in list(sender.last_config_ok):
                with contextlib.suppress(SendError):
                    await sender.fetch_config(device)
        except SQLAlchemyError as exc:
            log.warning("room device refresh failed: %s", type(exc).__name__)
        await app[keys.CLOCK].sleep(ROOM_DEVICE_REFRESH_S)
