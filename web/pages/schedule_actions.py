"""The schedule page's actions (each a POST through ``page``, so login and CSRF are checked,
then the services' permission check): a test send to the schedule's test room, a send now to
its target room, and delete with a confirmation page naming what is archived.

A send waits for the service's answer (at most 15 s, CONTRACT) and redirects to the schedule
page with an outcome code. A room that was just sent to is not queued at once: the page asks
(409, like the API's ``room_busy``) and a confirmed POST queues it for the room's next slot.
"""

from __future__ import annotations

from aiohttp import web

from services.permissions import Operation
from services.ports import RoomBusy, SendResult
from services.send_replies import busy_text
from storage.kbot_models import Room
from web import keys
from web.pages.core import PageError, Viewer, page, render
from web.pages.query import int_param

ACTION_LABELS = {"test": "테스트 발송", "send": "지금 발송"}


def setup(app: web.Application) -> None:
    app.router.add_post(r"/schedules/{schedule_id:\d+}/test", page(test_send))
    app.router.add_post(r"/schedules/{schedule_id:\d+}/send", page(send_now))
    app.router.add_get(r"/schedules/{schedule_id:\d+}/delete", page(delete_confirm))
    app.router.add_post(r"/schedules/{schedule_id:\d+}/delete", page(delete))


def schedule_id_of(request: web.Request) -> int:
    schedule_id = int_param(request.match_info["schedule_id"])
    if schedule_id is None:
        raise PageError(404, "찾을 수 없습니다", "스케줄 번호가 올바르지 않습니다.")
    return schedule_id


def room_usable(room: Room | None) -> bool:
    """Whether anything can be sent to the room (a send now, turning the schedule on)."""
    return room is not None and room.active


def detail_url(schedule_id: int, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())  # codes only, never user text
    return f"/schedules/{schedule_id}" + (f"?{query}" if query else "")


def outcome(schedule_id: int, action: str, result: SendResult) -> web.HTTPSeeOther:
    status = result.status
    params = {"done": action, "status": status}
    if status == "pending" and result.starts_in_s is not None:
        params.update(status="queued", wait=str(result.starts_in_s))
    return web.HTTPSeeOther(detail_url(schedule_id, **params))


async def confirmed(request: web.Request) -> bool:
    return (await request.post()).get("confirm") == "1"


def busy_page(
    request: web.Request, viewer: Viewer, schedule_id: int, action: str, busy: RoomBusy
) -> web.Response:
    return render(
        request,
        "schedule_busy.html",
        viewer,
        status=409,
        schedule_id=schedule_id,
        action=action,
        label=ACTION_LABELS[action],
        message=busy_text(busy, "이 방"),
    )


async def test_send(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """To the schedule's test room only: the web has no room the command was typed in."""
    schedule_id = schedule_id_of(request)
    found = await request.app[keys.SCHEDULES].get(schedule_id, viewer.admin, Operation.TEST)
    if found.meta is None or not found.meta.test_room_id:
        raise web.HTTPSeeOther(detail_url(schedule_id, done="test", status="no_test_room"))
    try:
        _, result = await request.app[keys.SENDS].test_send(
            schedule_id, viewer.admin, confirmed=await confirmed(request)
        )
    except RoomBusy as busy:
        return busy_page(request, viewer, schedule_id, "test", busy)
    raise outcome(schedule_id, "test", result)


async def send_now(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    schedule_id = schedule_id_of(request)
    try:
        _, result = await request.app[keys.SENDS].send_now(
            schedule_id, viewer.admin, confirmed=await confirmed(request)
        )
    except RoomBusy as busy:
        return busy_page(request, viewer, schedule_id, "send", busy)
    raise outcome(schedule_id, "send", result)


async def delete_confirm(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    service = request.app[keys.SCHEDULES]
    schedule_id = schedule_id_of(request)
    found = await service.get(schedule_id, viewer.admin, Operation.DELETE)
    return render(
        request,
        "schedule_delete.html",
        viewer,
        row=found.schedule,
        room=found.room,
        log_count=await service.log_count(schedule_id),
    )


async def delete(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    schedule_id = schedule_id_of(request)
    await request.app[keys.SCHEDULES].delete(schedule_id, viewer.admin)
    raise web.HTTPSeeOther(f"/schedules?deleted={schedule_id}")
