"""``GET /api/rooms`` (the rooms the actor may see) and ``GET /api/stats?days=7`` (per room:
sends per day and success rate over the last ``days`` local days, today included, counted in
SQL from ``kb_schedule_logs.scheduled_at``; ``partial`` counts as not successful; test sends
are left out)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from core.timeutil import to_local_naive
from services import rooms as room_access
from services.permissions import visible_org_ids
from storage.kbot_models import Org, Room
from storage.models import ScheduleLog
from storage.send_kinds import NOT_TEST, with_kind
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
    today = to_local_naive(app[keys.CLOCK].now(), app[keys.CONFIG].tz).date()
    first = today - timedelta(days=days - 1)
    day = func.date(ScheduleLog.scheduled_at)
    query = with_kind(
        select(ScheduleLog.target_room_id, day, ScheduleLog.status, func.count())
        .where(
            ScheduleLog.scheduled_at >= datetime.combine(first, time()),
            ScheduleLog.scheduled_at < datetime.combine(today + timedelta(days=1), time()),
            NOT_TEST,
        )
        .group_by(ScheduleLog.target_room_id, day, ScheduleLog.status)
    )
    async with app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
        rooms_query = select(Room.chat_id, Room.name).order_by(Room.id)
        if org_ids is not None:
            rooms_query = rooms_query.where(Room.org_id.in_(org_ids))
            query = query.join(Room, Room.chat_id == ScheduleLog.target_room_id).where(
                Room.org_id.in_(org_ids)
            )
        found = (await session.execute(rooms_query)).all()
        counts = (await session.execute(query)).all()
    names: dict[str, str | None] = dict(found)
    dates = [first + timedelta(days=n) for n in range(days)]
    table: dict[str, dict[str, dict[str, int]]] = {}
    for room_id, when, status, n in counts:
        table.setdefault(room_id, {}).setdefault(str(when)[:10], {})[status] = int(n)
    for room_id in table:
        names.setdefault(room_id, None)  # headquarters: logs of unregistered rooms too
    rooms = [
        _room_stats(room_id, name, table.get(room_id, {}), dates) for room_id, name in names.items()
    ]
    return json_response(
        {
            "days": days,
            "date_from": first.isoformat(),
            "date_to": today.isoformat(),
            "rooms": rooms,
        }
    )


def _room_stats(
    room_id: str, name: str | None, by_day: dict[str, dict[str, int]], dates: list[date]
) -> dict[str, Any]:
    per_day: list[dict[str, Any]] = []
    for day in dates:
        counts = by_day.get(day.isoformat(), {})
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
        "target_room_id": room_id,
        "name": name,
        "total": total,
        **totals,
        "success_rate": round(totals["success"] / total, 4) if total else None,
        "per_day": per_day,
    }
