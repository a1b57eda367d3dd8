"""``/schedules``: the schedules this admin may see (the chat's ``!스케줄 목록``), filtered by
status and room, with on/off buttons. Reading and toggling go through the shared
``ScheduleService``, so permissions and validation are the chat's."""

from __future__ import annotations

from aiohttp import web

from storage.types import SCHEDULE_STATUSES
from web import keys
from web.pages.core import Viewer, page, render
from web.pages.query import choice_param, int_param, query_string, text_param

FILTERS = ("status", "room")
STATUS_LABELS = {"active": "활성", "inactive": "비활성", "completed": "완료", "error": "오류"}


def setup(app: web.Application) -> None:
    app.router.add_get("/schedules", page(schedules_page))
    app.router.add_post(r"/schedules/{schedule_id:\d+}/toggle", page(toggle))


async def schedules_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    status = choice_param(request.query.get("status"), SCHEDULE_STATUSES)
    room = text_param(request.query.get("room"))
    rows = await request.app[keys.SCHEDULES].list_visible(viewer.admin)
    rooms = sorted(
        {(r.target_room_id, found.name if found else r.target_room_id) for r, found in rows},
        key=lambda pair: pair[1],
    )
    shown = [
        (row, found)
        for row, found in rows
        if (status is None or row.status == status) and (room is None or row.target_room_id == room)
    ]
    return render(
        request,
        "schedules.html",
        viewer,
        rows=shown,
        resumable={row.id for row, _ in shown if request.app[keys.SCHEDULES].resumable(row)},
        total=len(rows),
        rooms=rooms,
        selected_status=status,
        room=room,
        statuses=STATUS_LABELS,
        back=query_string(request.query, FILTERS),
    )


async def toggle(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    schedule_id = int_param(request.match_info["schedule_id"])
    if schedule_id is None:
        raise web.HTTPNotFound()
    form = await request.post()
    on = form.get("on") == "1"
    await request.app[keys.SCHEDULES].toggle(schedule_id, viewer.admin, on=on)
    back = query_string(request.query, FILTERS)
    return web.Response(status=303, headers={"Location": f"/schedules{back}"})
