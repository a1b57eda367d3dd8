"""``/api/schedules``: the seed's section 6.1 over the chat's schedule service.

Every change goes through ``app[SCHEDULES]`` (one validation, one permission rule, one audit
trail with chat). A missing schedule and another org's are both 404, so ids cannot be probed.
Responses carry every ``kb_schedule`` column under its seed name (DATETIME columns as ISO 8601
with the configured zone's offset) plus the input fields ``image_ids`` and ``test_room``.

Schedules created through the API have no notify room: failed-send alerts go to the
operations room only (chat-created ones also alert the room the command came from).
"""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from scheduler.schedule_rule import ExtraColumns
from services.errors import Conflict, NotFound, ServiceError
from services.permissions import Operation
from services.schedule_rules import values_of
from services.schedules import ScheduleService
from storage.image_uses import image_ids
from storage.models import Schedule
from storage.types import SCHEDULE_STATUSES, WEEKDAYS
from web import keys
from web.api.auth import require_admin
from web.api.body import json_body
from web.api.errors import api_error
from web.api.models import ScheduleCreateIn, json_field, schedule_in
from web.api.query import choice_param, iso, page_params, path_id, text_param
from web.json_out import json_response

NO_NOTIFY_ROOM = ""  # the service's current_room_id: no chat room asked for this


def setup_schedule_routes(app: web.Application) -> None:
    app.router.add_get("/api/schedules", list_schedules)
    app.router.add_post("/api/schedules", create_schedule)
    app.router.add_get("/api/schedules/{id}", get_schedule)
    app.router.add_put("/api/schedules/{id}", update_schedule)
    app.router.add_delete("/api/schedules/{id}", delete_schedule)
    app.router.add_post("/api/schedules/{id}/toggle", toggle_schedule)


def schedule_dict(
    row: Schedule,
    tz: ZoneInfo,
    test_room: str | None,
    campaign_id: int | None = None,
    extra: ExtraColumns | None = None,
    notify: str = "failures",
) -> dict[str, Any]:
    """Every column under its seed name, plus the input-only fields ``image_ids`` (from
    ``message_images``) and ``test_room``, and the ``campaign_id`` of a campaign's row (null
    for a schedule of its own) and ``notify`` (알림) from kbot's own tables."""
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
        # only an active schedule has a next send (what chat and the pages say too)
        "next_send_at": iso(row.next_send_at, tz) if row.status == "active" else None,
        "send_count": row.send_count,
        "created_at": iso(row.created_at, tz),
        "updated_at": iso(row.updated_at, tz),
        "image_ids": image_ids(row.message_images),
        "test_room": test_room,
        "campaign_id": campaign_id,
        "notify": notify,
        **rule_fields(row, extra, tz),
    }


def rule_fields(row: Schedule, extra: ExtraColumns | None, tz: ZoneInfo) -> dict[str, Any]:
    """The rule beyond the seed (``kbot_schedule_rules``) under the input's JSON names; a
    monthly rule's ``schedule_type`` is "monthly" (the seed column holds "daily")."""
    values = values_of(extra)
    times = values.times.split(",") if values.times else None
    monthly = values.monthly
    return {
        "schedule_type": "monthly" if monthly else row.schedule_type,
        "month_day": monthly.day if monthly else None,
        "month_last": bool(monthly and monthly.last),
        "month_nth": monthly.nth if monthly else None,
        "month_weekday": monthly.weekday if monthly else None,
        "times": [time.fromisoformat(t).isoformat() for t in times] if times else None,
        "max_sends": values.max_sends,
        "sends_done": values.sends_done if values.max_sends is not None else None,
        "holiday_policy": values.holiday_policy,
        "skip_at": iso(values.skip_at, tz) if values.skip_at else None,
        "paused_until": values.paused_until.isoformat() if values.paused_until else None,
    }


async def _respond(request: web.Request, rows: list[Schedule]) -> list[dict[str, Any]]:
    service = schedule_service(request)
    ids = [row.id for row in rows]
    rooms = await service.test_rooms(ids)
    campaigns = await service.campaigns.campaign_ids(ids)
    tz = _tz(request)
    extras = await service.rules_for(ids)
    modes = await service.notify_modes(ids)
    return [
        schedule_dict(
            row,
            tz,
            rooms.get(row.id),
            campaigns.get(row.id),
            extras.get(row.id),
            modes.get(row.id, "failures"),
        )
        for row in rows
    ]


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
    items = await _respond(request, rows[page.offset :][: page.per_page])
    return json_response(page.envelope("schedules", items, len(rows)))


async def create_schedule(request: web.Request) -> web.Response:
    """``POST /api/schedules``: one room (``target_room_id``) is a schedule, answered as one;
    several rooms or an org (``target_room_ids``, ``target_org``) a campaign, answered as
    ``{"campaign_id", "rooms", "schedules"}``."""
    admin = await require_admin(request)
    body = schedule_in(await json_body(request), create=True)
    assert isinstance(body, ScheduleCreateIn)
    service = schedule_service(request)
    try:
        form = body.to_form(_tz(request))
        if body.campaign:
            saved = await service.campaigns.create(form, admin, current_room_id=NO_NOTIFY_ROOM)
        else:
            row = await service.create(form, admin, current_room_id=NO_NOTIFY_ROOM)
    except ServiceError as error:
        raise service_error(error, room_field=body.room_field()) from None
    if not body.campaign:
        return json_response((await _respond(request, [row]))[0], status=201)
    created = {
        "campaign_id": saved.campaign.id,
        "rooms": len(saved.rows),
        "schedules": await _respond(request, saved.rows),
    }
    return json_response(created, status=201)


async def get_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    try:
        found = await schedule_service(request).get(schedule_id, admin)
    except ServiceError as error:
        raise service_error(error) from None
    return json_response((await _respond(request, [found.schedule]))[0])


async def update_schedule(request: web.Request) -> web.Response:
    """``PUT /api/schedules/{id}``: the fields given replace the stored ones; the rest stay."""
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    body = schedule_in(await json_body(request))
    try:
        row = await schedule_service(request).edit(
            schedule_id, body.to_form(_tz(request)), admin, current_room_id=NO_NOTIFY_ROOM
        )
    except ServiceError as error:
        raise service_error(error) from None
    return json_response((await _respond(request, [row]))[0])


async def delete_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    try:
        done = await schedule_service(request).delete(schedule_id, admin)
    except ServiceError as error:
        raise service_error(error) from None
    return json_response(
        {
            "deleted": True,
            "id": schedule_id,
            "archived_logs": done.archived_logs,
            "archive_files": done.archive_files,
        }
    )


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
    except ServiceError as error:
        raise service_error(error, status=409) from None
    return json_response((await _respond(request, [row]))[0])


def service_error(
    error: ServiceError, status: int = 422, *, room_field: str = "target_room_id"
) -> web.HTTPException:
    """404 for ``NotFound``, 409 for ``Conflict``, else ``status`` (the endpoint's: 422, or
    409 where the request acts on the current state); the message is prefixed with the JSON
    field it is about (``room_field`` for the rooms: a campaign's are ``target_room_ids`` or
    ``target_org``)."""
    field = room_field if error.field == "room" else json_field(error)
    if isinstance(error, NotFound):
        return api_error(404, "not_found", error.message, field)
    if isinstance(error, Conflict):
        status = 409
    code = "conflict" if status == 409 else "invalid"
    return api_error(status, code, f"{field}: {error.message}" if field else error.message, field)


def schedule_service(request: web.Request) -> ScheduleService:
    return request.app[keys.SCHEDULES]


def _tz(request: web.Request) -> ZoneInfo:
    return request.app[keys.CONFIG].tz
