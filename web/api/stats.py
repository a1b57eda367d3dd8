"""``GET /api/rooms`` (the rooms the actor may see) and ``GET /api/stats?days=7`` (per room:
sends per day and success rate over the last ``days`` local days, today included, of the
log rows the admin may see (``services.stats``); ``partial`` counts as not successful; test
sends are left out)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from services import rooms as room_access
from services.logs import DateWindow
from services.permissions import visible_org_ids
from services.stats import RoomStats, send_stats
from storage.kbot_models import Org, Room
from storage.types import LOG_STATUSES
from web import keys
from web.api.auth import require_admin
from web.api.query import int_param
from web.json_out import json_response

MAX_DAYS = 366
DEFAULT_DAYS = 7


def setup_stats_routes(app: web.Application) -> None:
    app.router.add_get("/api/rooms", list_rooms)
    app.router.add_get("/api/stats", stats)


async def list_rooms(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    async with request.app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
        found = await room_access.visible_with_orgs(session, org_ids)
    return json_response({"rooms": [_room_dict(room, org) for room, org in found]})


def _room_dict(room: Room, org: Org) -> dict[str, Any]:
    return {
        "id": room.id,
        "chat_id": room.chat_id,
        "name": room.name,
        "room_type": room.room_type,
        "org_id": org.id,
        "org_code": org.code,
        "org_name": org.name,
        "active": room.active,
    }


async def stats(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    days = int_param(request, "days", DEFAULT_DAYS, 1, MAX_DAYS)
    app = request.app
    window = DateWindow.last_days(app[keys.CLOCK].now(), app[keys.CONFIG].tz, days)
    async with app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
        registered = await room_access.visible(session, org_ids)
        counted = await send_stats(session, org_ids, window)
    sent_to = {room.room_id: room for room in counted.rooms}
    rooms = [sent_to.pop(room.chat_id, RoomStats(room.chat_id, room.name)) for room in registered]
    rooms += sent_to.values()  # headquarters: logs of unregistered rooms too
    dates = window.dates()
    return json_response(
        {
            "days": days,
            "date_from": dates[0].isoformat(),
            "date_to": dates[-1].isoformat(),
            "rooms": [_room_stats(room, dates) for room in rooms],
        }
    )


def _room_stats(room: RoomStats, dates: list[date]) -> dict[str, Any]:
    per_day: list[dict[str, Any]] = []
    for day in dates:
        counts = room.on(day)
        per_day.append(
            {
                "date": day.isoformat(),
                "total": sum(counts.values()),
                **{status: counts.get(status, 0) for status in LOG_STATUSES},
            }
        )
    totals = {status: sum(d[status] for d in per_day) for status in LOG_STATUSES}
    total = sum(totals.values())
    return {
        "target_room_id": room.room_id,
        "name": room.room_name,
        "total": total,
        **totals,
        "success_rate": round(totals["success"] / total, 4) if total else None,
        "per_day": per_day,
    }
