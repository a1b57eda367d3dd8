"""``/schedules``: the schedules this admin may see (the chat's ``!스케줄 목록``), searched by
title and filtered by status, room and type, each linking to its page, with the on/off button
that applies. Reading and toggling go through the shared ``ScheduleService``, so permissions
and validation are the chat's."""

from __future__ import annotations

from aiohttp import web

from services.schedule_labels import TYPE_LABELS
from storage.kbot_models import Room
from storage.models import Schedule
from storage.types import SCHEDULE_STATUSES, SCHEDULE_TYPES
from web import keys
from web.pages.core import Viewer, page, render
from web.pages.query import choice_param, int_param, query_string, text_param

FILTERS = ("q", "status", "room", "type")
STATUS_LABELS = {"active": "활성", "inactive": "비활성", "completed": "완료", "error": "오류"}


def setup(app: web.Application) -> None:
    app.router.add_get("/schedules", page(schedules_page))
    app.router.add_post(r"/schedules/{schedule_id:\d+}/toggle", page(toggle))


def matches(
    row: Schedule, q: str | None, status: str | None, room: str | None, kind: str | None
) -> bool:
    return (
        (q is None or q.casefold() in (row.title or "").casefold())
        and (status is None or row.status == status)
        and (room is None or row.target_room_id == room)
        and (kind is None or row.schedule_type == kind)
    )


def can_turn_on(row: Schedule, room: Room | None, resumable: bool) -> bool:
    """켜기 applies when a send time is left and the room can still be sent to."""
    return resumable and room is not None and room.active


async def schedules_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    query = request.query
    service = request.app[keys.SCHEDULES]
    q = text_param(query.get("q"))
    status = choice_param(query.get("status"), SCHEDULE_STATUSES)
    room = text_param(query.get("room"))
    kind = choice_param(query.get("type"), SCHEDULE_TYPES)
    rows = await service.list_visible(viewer.admin)
    rooms = sorted(
        {(r.target_room_id, found.name if found else r.target_room_id) for r, found in rows},
        key=lambda pair: pair[1],
    )
    shown = [(row, found) for row, found in rows if matches(row, q, status, room, kind)]
    extras = await service.rules_for([row.id for row, _ in shown])
    return render(
        request,
        "schedules.html",
        viewer,
        rows=shown,
        extras=extras,
        can_turn_on={
            row.id
            for row, found in shown
            if can_turn_on(row, found, service.resumable(row, extras.get(row.id)))
        },
        campaigns=await service.campaigns.campaign_ids([row.id for row, _ in shown]),
        total=len(rows),
        rooms=rooms,
        q=q or "",
        selected_status=status,
        selected_type=kind,
        room=room,
        statuses=STATUS_LABELS,
        types=TYPE_LABELS,
        deleted=int_param(query.get("deleted")),
        back=query_string(query, FILTERS),
    )


async def toggle(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """From the list back to the list (its filters kept); with ``back=detail`` (the schedule
    page's button) back to the schedule page with the outcome."""
    schedule_id = int_param(request.match_info["schedule_id"])
    if schedule_id is None:
        raise web.HTTPNotFound()
    form = await request.post()
    on = form.get("on") == "1"
    await request.app[keys.SCHEDULES].toggle(schedule_id, viewer.admin, on=on)
    if form.get("back") == "detail":
        where = f"/schedules/{schedule_id}?done=toggle&status={'on' if on else 'off'}"
    else:
        where = f"/schedules{query_string(request.query, FILTERS)}"
    return web.Response(status=303, headers={"Location": where})
