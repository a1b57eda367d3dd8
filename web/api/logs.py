"""Send logs (the seed's section 6.2): ``GET /api/schedules/{id}/logs`` and
``GET /api/logs/send``, newest first, paginated, filtered by ``status``, ``room``
(``target_room_id``), ``schedule_id`` and ``date_from``/``date_to`` (inclusive local dates of
``scheduled_at``).

A log row is visible when its ``target_room_id`` is a room of the actor's org subtree
(headquarters: every row, also of unregistered rooms), the same rule as the schedules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import ColumnElement, Select, func, select

from services.errors import ServiceError
from services.permissions import Operation, visible_org_ids
from storage.kbot_models import Room
from storage.models import ScheduleLog
from storage.send_kinds import KIND, with_kind
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


@dataclass(frozen=True, slots=True)
class LogFilter:
    status: str | None = None
    room: str | None = None
    schedule_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.status is not None:
            found.append(ScheduleLog.status == self.status)
        if self.room is not None:
            found.append(ScheduleLog.target_room_id == self.room)
        if self.schedule_id is not None:
            found.append(ScheduleLog.schedule_id == self.schedule_id)
        if self.date_from is not None:
            found.append(ScheduleLog.scheduled_at >= datetime.combine(self.date_from, time()))
        if self.date_to is not None:
            end = datetime.combine(self.date_to + timedelta(days=1), time())
            found.append(ScheduleLog.scheduled_at < end)
        return found


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
        "api_response": row.api_response,
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
    return await _respond(request, select(ScheduleLog).where(*wanted.conditions()), page)


async def send_logs(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    schedule_id = int_param(request, "schedule_id", 0, 1, MAX_ID)
    wanted = _filter(request, schedule_id=schedule_id or None, room=text_param(request, "room"))
    page = page_params(request)
    query = select(ScheduleLog).where(*wanted.conditions())
    async with request.app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
    if org_ids is not None:
        query = query.join(Room, Room.chat_id == ScheduleLog.target_room_id).where(
            Room.org_id.in_(org_ids)
        )
    return await _respond(request, query, page)


def _filter(request: web.Request, **fixed: Any) -> LogFilter:
    return LogFilter(
        status=choice_param(request, "status", LOG_STATUSES),
        date_from=date_param(request, "date_from"),
        date_to=date_param(request, "date_to"),
        **fixed,
    )


async def _respond(request: web.Request, query: Select[ScheduleLog], page: Page) -> web.Response:
    tz = request.app[keys.CONFIG].tz
    async with request.app[keys.SESSIONS]() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        page_query = query.add_columns(KIND).order_by(ScheduleLog.id.desc())
        rows = await session.execute(with_kind(page_query.offset(page.offset).limit(page.per_page)))
        items = [log_dict(row, kind, tz) for row, kind in rows.all()]
    return json_response(page.envelope("logs", items, int(total or 0)))
