"""``/api/schedules``: the seed's section 6.1 over the chat's schedule service.

Every change goes through ``app[SCHEDULES]`` (one validation, one permission rule, one audit
trail with chat). A missing schedule is 404 and another org's is 403, as in chat, which also
tells "없습니다" from "권한이 없습니다". Responses carry every ``kb_schedule`` column under its
seed name; DATETIME columns are ISO 8601 with the configured zone's offset.

Schedules created through the API have no notify room: failed-send alerts go to the
operations room only (chat-created ones also alert the room the command came from).
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from commands.errors import CommandError
from commands.permissions import Operation
from commands.schedule_queries import ScheduleNotFound
from commands.schedules import ScheduleService
from storage.models import Schedule
from storage.types import SCHEDULE_STATUSES, WEEKDAYS
from web import keys
from web.api_auth import require_admin
from web.api_errors import api_error
from web.api_models import json_field, schedule_in
from web.api_query import choice_param, iso, page_params, path_id, text_param

NO_NOTIFY_ROOM = ""  # the service's current_room_id: no chat room asked for this


def setup_schedule_routes(app: web.Application) -> None:
    app.router.add_get("/api/schedules", list_schedules)
    app.router.add_post("/api/schedules", create_schedule)
    app.router.add_get("/api/schedules/{id}", get_schedule)
    app.router.add_put("/api/schedules/{id}", update_schedule)
    app.router.add_delete("/api/schedules/{id}", delete_schedule)
    app.router.add_post("/api/schedules/{id}/toggle", toggle_schedule)


def schedule_dict(row: Schedule, tz: ZoneInfo) -> dict[str, Any]:
    days = row.schedule_weekdays
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "created_by_type": row.created_by_type,
        "created_by_id": row.created_by_id,
        "created_by_mb_id": row.created_by_mb_id,
        "target_room_id": row.target_room_id,
        "target_room_type": row.target_room_type,
        "message_text": row.message_text,
        "message_images": row.message_images,
        "send_order": row.send_order,
        "send_interval_seconds": row.send_interval_seconds,
        "schedule_type": row.schedule_type,
        "schedule_date": row.schedule_date.isoformat() if row.schedule_date else None,
        "schedule_time": row.schedule_time.isoformat() if row.schedule_time else None,
        "schedule_weekdays": None if days is None else [d for d in WEEKDAYS if d in days],
        "valid_from": iso(row.valid_from, tz),
        "valid_until": iso(row.valid_until, tz),
        "status": row.status,
        "last_sent_at": iso(row.last_sent_at, tz),
        "next_send_at": iso(row.next_send_at, tz),
        "send_count": row.send_count,
        "created_at": iso(row.created_at, tz),
        "updated_at": iso(row.updated_at, tz),
    }


async def list_schedules(request: web.Request) -> web.Response:
    """``GET /api/schedules?status=&room=&page=&per_page=``: what the actor may see, active
    ones first by next send time (the chat list's order)."""
    admin = await require_admin(request)
    status = choice_param(request, "status", SCHEDULE_STATUSES)
    room = text_param(request, "room")
    page = page_params(request)
    rows = [
        row
        for row, _ in await schedule_service(request).list_visible(admin)
        if (status is None or row.status == status) and (room is None or row.target_room_id == room)
    ]
    items = [schedule_dict(row, _tz(request)) for row in rows[page.offset :][: page.per_page]]
    return web.json_response(page.envelope("schedules", items, len(rows)))


async def create_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    body = schedule_in(await json_body(request))
    if body.target_room_id is None:
        raise api_error(
            422, "invalid", "target_room_id: 보낼 방의 chat_id를 적어 주세요.", "target_room_id"
        )
    try:
        row = await schedule_service(request).create(
            body.to_form(_tz(request)), admin, current_room_id=NO_NOTIFY_ROOM
        )
    except CommandError as error:
        raise service_error(error) from None
    return web.json_response(schedule_dict(row, _tz(request)), status=201)


async def get_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    try:
        found = await schedule_service(request).get(schedule_id, admin)
    except CommandError as error:
        raise service_error(error) from None
    return web.json_response(schedule_dict(found.schedule, _tz(request)))


async def update_schedule(request: web.Request) -> web.Response:
    """``PUT /api/schedules/{id}``: the fields given replace the stored ones; the rest stay."""
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    body = schedule_in(await json_body(request))
    try:
        row = await schedule_service(request).edit(
            schedule_id, body.to_form(_tz(request)), admin, current_room_id=NO_NOTIFY_ROOM
        )
    except CommandError as error:
        raise service_error(error) from None
    return web.json_response(schedule_dict(row, _tz(request)))


async def delete_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    try:
        await schedule_service(request).delete(schedule_id, admin)
    except CommandError as error:
        raise service_error(error) from None
    return web.json_response({"deleted": True, "id": schedule_id})


async def toggle_schedule(request: web.Request) -> web.Response:
    """``POST /api/schedules/{id}/toggle``: active -> inactive, any other status -> active.
    Turning on fails with 409 when the room is gone or no send time is left."""
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    service = schedule_service(request)
    try:
        found = await service.get(schedule_id, admin, Operation.TOGGLE)
        on = found.schedule.status != "active"
        row = (await service.toggle(schedule_id, admin, on=on)).schedule
    except CommandError as error:
        raise service_error(error, status=409) from None
    return web.json_response(schedule_dict(row, _tz(request)))


async def json_body(request: web.Request) -> object:
    raw = await request.read()  # 413 beyond server.max_body_bytes
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise api_error(400, "bad_json", "요청 본문이 올바른 JSON이 아닙니다.") from None


def service_error(error: CommandError, status: int = 422) -> web.HTTPException:
    if isinstance(error, ScheduleNotFound):
        return api_error(404, "not_found", error.message, "id")
    code = "conflict" if status == 409 else "invalid"
    field = json_field(error)
    return api_error(status, code, f"{field}: {error.message}" if field else error.message, field)


def schedule_service(request: web.Request) -> ScheduleService:
    return request.app[keys.SCHEDULES]


def _tz(request: web.Request) -> ZoneInfo:
    return request.app[keys.CONFIG].tz
