"""Sending a schedule now through the REST API (issue 3, item 9), answered once the send has
ended:

- ``POST /api/schedules/{id}/send``: to the schedule's target room, logged as ``manual``;
  409 when that room is not registered or is deactivated.
- ``POST /api/schedules/{id}/test``: optional body ``{"test_room": "<chat id or room
  name>"}``, else the schedule's test room (422 naming ``test_room`` when it has none);
  logged as ``test``.

Neither moves ``next_send_at``; the room limits apply (a reached daily limit is reported as
``status: "failed"`` with the reason in ``error``). Permission is the schedule service's:
the target room, and for a test the test room too, must be inside the token admin's org.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from commands.errors import CommandError
from commands.ports import SendResult
from web.api_auth import require_admin
from web.api_body import json_body
from web.api_models import TestSendIn
from web.api_query import path_id
from web.api_schedules import schedule_service, service_error
from web.api_validation import validated


def setup_send_routes(app: web.Application) -> None:
    app.router.add_post("/api/schedules/{id}/send", send_schedule)
    app.router.add_post("/api/schedules/{id}/test", test_schedule)


async def send_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    try:
        room_id, result = await schedule_service(request).send_now(schedule_id, admin)
    except CommandError as error:
        raise service_error(error, status=409) from None
    return web.json_response(_outcome(schedule_id, "manual", room_id, result))


async def test_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    body = await _test_body(request)
    try:
        room_id, result = await schedule_service(request).test_send(
            schedule_id, admin, room=body.test_room
        )
    except CommandError as error:
        raise service_error(error) from None
    return web.json_response(_outcome(schedule_id, "test", room_id, result))


async def _test_body(request: web.Request) -> TestSendIn:
    if not await request.read():  # the body is optional
        return TestSendIn()
    return validated(TestSendIn, await json_body(request))


def _outcome(schedule_id: int, kind: str, room_id: str, result: SendResult) -> dict[str, Any]:
    return {
        "id": schedule_id,
        "kind": kind,
        "room_id": room_id,
        "status": result.status,
        "error": result.error,
    }
