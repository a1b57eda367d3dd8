"""``/logs``: the send log (``kb_schedule_logs``) rows this admin may see (``services.logs``),
filtered by status, room and local date, newest first."""

from __future__ import annotations

import math

from aiohttp import web

from services import logs as log_queries
from services import rooms as room_access
from storage.types import LOG_STATUSES
from web import keys
from web.pages.core import Viewer, page, render
from web.pages.query import choice_param, date_param, int_param, query_string, text_param

PER_PAGE = 50
FILTERS = ("status", "room", "date")
STATUS_LABELS = {"success": "성공", "failed": "실패", "partial": "일부 실패"}


def setup(app: web.Application) -> None:
    app.router.add_get("/logs", page(logs_page))


async def logs_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    query = request.query
    day = date_param(query.get("date"))
    where = log_queries.LogFilter(
        status=choice_param(query.get("status"), LOG_STATUSES),
        room=text_param(query.get("room")),
        window=log_queries.DateWindow(day, day),
    )
    page_no = int_param(query.get("page")) or 1
    async with request.app[keys.SESSIONS]() as session:
        rows, total = await log_queries.page_of_logs(
            session, viewer.org_ids, where, offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE
        )
        rooms = await room_access.visible(session, viewer.org_ids, by_name=True)
    return render(
        request,
        "logs.html",
        viewer,
        rows=rows,
        total=total,
        where=where,
        day=day,
        rooms=rooms,
        statuses=STATUS_LABELS,
        page=page_no,
        pages=max(1, math.ceil(total / PER_PAGE)),
        filters=query_string(query, FILTERS).removeprefix("?"),
    )
