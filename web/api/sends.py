"""Sending a schedule now through the REST API (issue 3, item 9; issue 12):

- ``POST /api/schedules/{id}/send``: to the schedule's target room, logged as ``manual``;
  409 when that room is not registered or is deactivated.
- ``POST /api/schedules/{id}/test``: optional body ``{"test_room": "<chat id or room
  name>"}``, else the schedule's test room (422 naming ``test_room`` when it has none);
  logged as ``test``.

Both answer within 15 s whatever the state of Iris (``services.schedule_sends``): a send not
done by then is ``status: "pending"`` (``error`` says why in Korean; ``starts_in_s`` when it
waits for the room's next slot) and goes on in the background. A room that was just sent to
(``scheduler.room_min_interval_s``) is answered 409 ``room_busy`` with ``Retry-After`` and
nothing is queued, unless the request confirms (``{"confirm": true}`` or ``?confirm=true``):
then it is queued for that slot. Neither moves ``next_send_at``; a reached daily limit is
``status: "failed"`` with the reason in ``error``. Permission is the schedule service's: the
target room, and for a test the test room too, must be inside the token admin's org.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web

from services.errors import ServiceError
from services.ports import RoomBusy, SendResult
from services.send_replies import busy_text
from web import keys
from web.api.auth import require_admin
from web.api.body import json_body
from web.api.errors import api_error
from web.api.models import SendIn, TestSendIn
from web.api.query import bool_param, path_id
from web.api.schedules import service_error
from web.api.validation import validated
from web.json_out import json_response

Body = TypeVar("Body", bound=SendIn)


def setup_send_routes(app: web.Application) -> None:
    app.router.add_post("/api/schedules/{id}/send", send_schedule)
    app.router.add_post("/api/schedules/{id}/test", test_schedule)


async def send_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    body = await _body(request, SendIn)
    confirm = body.confirm or bool_param(request, "confirm")
    try:
        room_id, result = await request.app[keys.SENDS].send_now(
            schedule_id, admin, confirmed=confirm
        )
    except ServiceError as error:
        raise service_error(error, status=409) from None
    except RoomBusy as busy:
        raise _busy(busy) from None
    return json_response(_outcome(schedule_id, "manual", room_id, result))


async def test_schedule(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    body = await _body(request, TestSendIn)
    confirm = body.confirm or bool_param(request, "confirm")
    try:
        room_id, result = await request.app[keys.SENDS].test_send(
            schedule_id, admin, room=body.test_room, confirmed=confirm
        )
    except ServiceError as error:
        raise service_error(error) from None
    except RoomBusy as busy:
        raise _busy(busy) from None
    return json_response(_outcome(schedule_id, "test", room_id, result))


async def _body(request: web.Request, model: type[Body]) -> Body:
    if not await request.read():  # the body is optional
        return model()
    return validated(model, await json_body(request))


def _busy(busy: RoomBusy) -> web.HTTPException:
    message = busy_text(busy, f"방 {busy.room_id}")
    return api_error(
        409,
        "room_busy",
        f"{message} 그래도 지금 예약하려면 confirm: true 로 다시 요청해 주세요.",
        "confirm",
        headers={"Retry-After": str(busy.wait_s)},
    )


def _outcome(schedule_id: int, kind: str, room_id: str, result: SendResult) -> dict[str, Any]:
    return {
        "id": schedule_id,
        "kind": kind,
        "room_id": room_id,
        "status": result.status,
        "error": result.error,
        "starts_in_s": result.starts_in_s,
    }
