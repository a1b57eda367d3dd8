"""Send logs (the seed's section 6.2): ``GET /api/schedules/{id}/logs`` and
``GET /api/logs/send``, newest first, paginated, filtered by ``status``, ``room``
(``target_room_id``), ``schedule_id`` and ``date_from``/``date_to`` (inclusive local dates of
``scheduled_at``). Which rows an admin sees is ``services.logs``' one rule.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from services import logs as log_queries
from services.errors import ServiceError
from services.permissions import Operation, visible_org_ids
from storage.kbot_models import Admin
from storage.models import ScheduleLog
from storage.send_record import confirmation_of, confirmed_of
from storage.types import LOG_STATUSES
from web import keys
from web.api.auth import require_admin
from web.api.query import (
    MAX_ID,
    Page,
    choice_param,
    date_param,
    int_param,
    iso,
    page_params,
    path_id,
    text_param,
)
from web.api.schedules import service_error
from web.json_out import json_response


def setup_log_routes(app: web.Application) -> None:
    app.router.add_get("/api/schedules/{id}/logs", schedule_logs)
    app.router.add_get("/api/logs/send", send_logs)


def log_dict(row: ScheduleLog, kind: str, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": row.id,
        "schedule_id": row.schedule_id,
        "target_room_id": row.target_room_id,
        "sent_message_text": row.sent_message_text,
        "sent_images": row.sent_images,
        "send_order": row.send_order,
        "status": row.status,
        "error_message": row.error_message,
        "api_response": row.api_response,  # shape: storage.send_record
        "confirmed": confirmed_of(row.api_response),
        "confirmation": confirmation_of(row.api_response),
        "scheduled_at": iso(row.scheduled_at, tz),
        "started_at": iso(row.started_at, tz),
        "completed_at": iso(row.completed_at, tz),
        "duration_ms": row.duration_ms,
        "created_at": iso(row.created_at, tz),
        "kind": kind,  # scheduled | manual | test (kbot's occurrence of the send knows it)
    }


async def schedule_logs(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = path_id(request, "스케줄")
    wanted = _filter(request, schedule_id=schedule_id)
    page = page_params(request)
    try:
        await request.app[keys.SCHEDULES].get(schedule_id, admin, Operation.LOGS)
    except ServiceError as error:
        raise service_error(error) from None
    return await _respond(request, admin, wanted, page)


async def send_logs(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = int_param(request, "schedule_id", 0, 1, MAX_ID)
    wanted = _filter(request, schedule_id=schedule_id or None, room=text_param(request, "room"))
    return await _respond(request, admin, wanted, page_params(request))


def _filter(request: web.Request, **fixed: Any) -> log_queries.LogFilter:
    status = choice_param(request, "status", LOG_STATUSES)
    first, last = date_param(request, "date_from"), date_param(request, "date_to")
    return log_queries.LogFilter(status=status, window=log_queries.DateWindow(first, last), **fixed)


async def _respond(
    request: web.Request, admin: Admin, wanted: log_queries.LogFilter, page: Page
) -> web.Response:
    tz = request.app[keys.CONFIG].tz
    async with request.app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
        rows, total = await log_queries.page_of_logs(
            session, org_ids, wanted, offset=page.offset, limit=page.per_page
        )
    items = [log_dict(row.log, row.kind, tz) for row in rows]
    return json_response(page.envelope("logs", items, total))
