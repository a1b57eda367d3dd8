"""``GET /healthz``: database reachability and scheduler heartbeat; with the iris transport
also whether each Iris device answered ``GET /config`` lately (reported only: an Iris outage
is the alerts' job and does not make the process unhealthy) and when it last did, in the
configured ``timezone`` with its offset (``2026-11-27T09:12:00+09:00``), each device's
budget use and pause (``web.ops.device_health``), and which devices can reach which rooms
(``standby``: ``web.ops.room_reach``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.human import local_iso
from web import keys
from web.json_out import json_response
from web.ops.device_health import devices_section
from web.ops.room_reach import standby_report

log = logging.getLogger("kbot.health")
DB_PING_TIMEOUT_S = 3
IRIS_FRESH_S = 120  # the transport asks every device for GET /config every 30 s


async def healthz(request: web.Request) -> web.Response:
    app = request.app
    cfg = app[keys.CONFIG]
    db_ok = await _ping(app)
    scheduler: dict[str, object] = {"enabled": cfg.scheduler.enabled}
    scheduler_ok = True
    if cfg.scheduler.enabled:
        heartbeat = app[keys.HEARTBEAT]
        age = heartbeat.age_s()
        scheduler_ok = heartbeat.healthy()
        scheduler.update(ok=scheduler_ok, heartbeat_age_s=None if age is None else round(age, 3))
    healthy = db_ok and scheduler_ok
    body: dict[str, object] = {
        "status": "ok" if healthy else "unhealthy",
        "database": {"ok": db_ok, "backend": app[keys.ENGINE].dialect.name},
        "scheduler": scheduler,
    }
    if keys.IRIS in app:
        body["iris"] = _iris(app[keys.IRIS].last_config_ok, app[keys.CLOCK].now(), cfg.tz)
        if keys.DEVICE_SAFETY in app:
            body["devices"] = devices_section(app[keys.IRIS], app[keys.DEVICE_SAFETY], cfg.tz)
        if keys.ROOM_REACH in app:
            body["standby"] = standby_report(app[keys.IRIS], app[keys.ROOM_REACH])
    return json_response(body, status=200 if healthy else 503)


def _iris(last_ok: Mapping[str, datetime | None], now: datetime, tz: ZoneInfo) -> dict[str, object]:
    return {
        device: {
            "ok": at is not None and (now - at).total_seconds() <= IRIS_FRESH_S,
            "last_ok": None if at is None else local_iso(at, tz),
        }
        for device, at in last_ok.items()
    }


async def _ping(app: web.Application) -> bool:
    try:
        async with asyncio.timeout(DB_PING_TIMEOUT_S), app[keys.ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("database ping failed: %s", type(exc).__name__)
        return False
