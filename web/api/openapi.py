"""``GET /api/openapi.json``: the OpenAPI 3.1 description of exactly the routes under ``/api/``
(schedules, logs, rooms, stats, reports, images, admins, tokens). The tests check every response of
their run against it and that its paths are the app's ``/api/`` routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.config import Config
from storage.types import LOG_STATUSES, SCHEDULE_STATUSES
from web import keys
from web.api.formats import DATE, anchored
from web.api.query import MAX_ID, MAX_PER_PAGE, TEXT_MAX_LENGTH
from web.api.reports import FORMATS as REPORT_FORMATS
from web.api.schemas import JSON, ref, schemas
from web.api.stats import MAX_DAYS
from web.json_out import json_response
from web.report_query import MAX_DAYS as MAX_REPORT_DAYS
from web.report_query import ORG_CODE_MAX


def _param(name: str, where: str = "query", schema: JSON | None = None, **extra: Any) -> JSON:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema or {"type": "string"},
    } | extra


def _int(low: int, high: int) -> JSON:
    return {"type": "integer", "minimum": low, "maximum": high}


def _date(name: str, description: str) -> JSON:
    schema = {"type": "string", "format": "date", "pattern": anchored(DATE)}
    return _param(name, schema=schema, description=description)


ID = _param("id", "path", _int(1, MAX_ID))
PAGING = [_param("page", schema=_int(1, MAX_ID)), _param("per_page", schema=_int(1, MAX_PER_PAGE))]
ROOM = _param("room", schema={"type": "string", "maxLength": TEXT_MAX_LENGTH})
CONFIRM = _param(
    "confirm",
    schema={"type": "string", "enum": ["true", "false", "1", "0"]},
    description="like the body's confirm: queue the send for the room's next free slot",
)
SEND_NOTE = (
    "; answers within 15 s (status pending: it goes on in the background); 409 room_busy "
    "(with Retry-After) when the room was just sent to and confirm is not given"
)
LOG_FILTERS = [
    _param("status", schema={"type": "string", "enum": list(LOG_STATUSES)}),
    _date("date_from", "YYYY-MM-DD (2000-2099), local date of scheduled_at"),
    _date("date_to", "YYYY-MM-DD (2000-2099), inclusive"),
    *PAGING,
]
_ERRORS = {
    400: "bad request or query parameter",
    401: "missing or bad token",
    403: "not allowed",
    404: "not found",
    409: "conflicts with the current state",
    413: "body too large",
    422: "invalid field (error.field names it)",
}


def _op(summary: str, ok: dict[int, str], errors: tuple[int, ...], **extra: Any) -> JSON:
    responses: JSON = {
        str(status): {"description": "ok", "content": {"application/json": {"schema": ref(name)}}}
        for status, name in ok.items()
    }
    for status in (*errors, "default"):
        description = _ERRORS.get(status, "other error") if isinstance(status, int) else "error"
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}},
        }
    return {"summary": summary, "responses": responses} | extra


def _body(schema: JSON, media: str = "application/json") -> JSON:
    return {"requestBody": {"required": True, "content": {media: {"schema": schema}}}}


def _optional(schema: JSON) -> JSON:
    return {"required": False, "content": {"application/json": {"schema": schema}}}


def _report_op() -> JSON:
    """``GET /api/reports``: JSON, or with ``format=csv`` the schedules as CSV."""
    operation = _op(
        "per-schedule and per-campaign report (sends, confirmation, on-time rate, lateness, "
        "replies, clicks, room activity); format=csv: the schedules as UTF-8 CSV with a BOM",
        {200: "Report"},
        (400, 401, 404),
        parameters=[
            {**_date("from", "YYYY-MM-DD, first local day of scheduled_at"), "required": True},
            {
                **_date("to", f"YYYY-MM-DD, inclusive; at most {MAX_REPORT_DAYS} days"),
                "required": True,
            },
            _param("format", schema={"type": "string", "enum": list(REPORT_FORMATS)}),
            _param("org", schema={"type": "string", "maxLength": ORG_CODE_MAX}),
        ],
    )
    csv_body = {"schema": {"type": "string"}}
    operation["responses"]["200"]["content"]["text/csv"] = csv_body
    return operation


def build_openapi(cfg: Config) -> JSON:
    """The document for this configuration (text and image limits come from it)."""
    changes = (400, 401, 403, 404, 413, 422)
    upload = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
    status_filter = {"type": "string", "enum": list(SCHEDULE_STATUSES)}
    schedule_list = [_param("status", schema=status_filter), ROOM, *PAGING]
    send_filters = [ROOM, _param("schedule_id", schema=_int(1, MAX_ID)), *LOG_FILTERS]
    return {
        "openapi": "3.1.0",
        "info": {"title": "kbot REST API", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {
            "/api/schedules": {
                "get": _op(
                    "visible schedules", {200: "ScheduleList"}, (400, 401), parameters=schedule_list
                ),
                "post": _op(
                    "create a schedule (target_room_id), or a campaign: one schedule per room "
                    "(target_room_ids and/or target_org)",
                    {201: "ScheduleCreated"},
                    changes,
                    **_body(ref("ScheduleCreateInput")),
                ),
            },
            "/api/schedules/{id}": {
                "parameters": [ID],
                "get": _op("one schedule", {200: "Schedule"}, (401, 403, 404)),
                "put": _op(
                    "change the given fields",
                    {200: "Schedule"},
                    changes,
                    **_body(ref("ScheduleInput")),
                ),
                "delete": _op(
                    "delete a schedule (its send log is archived first)",
                    {200: "ScheduleDeleted"},
                    (401, 403, 404),
                ),
            },
            "/api/schedules/{id}/toggle": {
                "parameters": [ID],
                "post": _op("active <-> inactive", {200: "Schedule"}, (401, 403, 404, 409)),
            },
            "/api/schedules/{id}/send": {
                "parameters": [ID, CONFIRM],
                "post": _op(
                    "send now to the target room (logged as manual)" + SEND_NOTE,
                    {200: "SendOutcome"},
                    (400, 401, 403, 404, 409, 413, 422),
                    requestBody=_optional(ref("SendInput")),
                ),
            },
            "/api/schedules/{id}/test": {
                "parameters": [ID, CONFIRM],
                "post": _op(
                    "test send now to test_room, else the schedule's test room" + SEND_NOTE,
                    {200: "SendOutcome"},
                    (400, 401, 403, 404, 409, 413, 422),
                    requestBody=_optional(ref("TestSendInput")),
                ),
            },
            "/api/schedules/{id}/logs": {
                "parameters": [ID],
                "get": _op(
                    "a schedule's send log",
                    {200: "LogList"},
                    (400, 401, 403, 404),
                    parameters=LOG_FILTERS,
                ),
            },
            "/api/logs/send": {
                "get": _op(
                    "visible send logs", {200: "LogList"}, (400, 401), parameters=send_filters
                ),
            },
            "/api/rooms": {"get": _op("visible rooms", {200: "RoomList"}, (401,))},
            "/api/stats": {
                "get": _op(
                    "per-room sends and success rate",
                    {200: "Stats"},
                    (400, 401),
                    parameters=[_param("days", schema=_int(1, MAX_DAYS))],
                ),
            },
            "/api/reports": {"get": _report_op()},
            "/api/images": {
                "get": _op("visible images", {200: "ImageList"}, (400, 401), parameters=PAGING),
                "post": _op(
                    "upload (201 new, 200 same bytes again)",
                    {200: "Image", 201: "Image"},
                    (400, 401, 403, 413, 422),
                    **_body(upload, "multipart/form-data"),
                ),
            },
            "/api/images/{id}": {
                "parameters": [ID],
                "get": _op("one image", {200: "Image"}, (401, 403, 404)),
                "delete": _op("delete an unused image", {200: "Deleted"}, (401, 403, 404, 409)),
            },
            "/api/admins": {
                "get": _op("admins of the token's admin's subtree", {200: "AdminList"}, (401, 403)),
            },
            "/api/admins/{id}/deactivate": {
                "parameters": [ID],
                "post": _op(
                    "deactivate an admin below the caller's org (revokes its tokens, ends its "
                    "web sessions)",
                    {200: "AdminDeactivated"},
                    (400, 401, 403, 404, 409),
                ),
            },
            "/api/admins/{id}/activate": {
                "parameters": [ID],
                "post": _op(
                    "reactivate an admin below the caller's org",
                    {200: "AdminChanged"},
                    (400, 401, 403, 404, 409),
                ),
            },
            "/api/tokens": {
                "get": _op(
                    "the caller's own API tokens (never the secret)", {200: "TokenList"}, (401,)
                ),
            },
            "/api/tokens/{id}": {
                "parameters": [ID],
                "delete": _op(
                    "revoke one of the caller's own tokens",
                    {200: "TokenRevoked"},
                    (400, 401, 403, 404),
                ),
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "this document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                },
            },
        },
        "components": {
            "schemas": schemas(cfg),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi(request: web.Request) -> web.Response:
    """Public: the document says nothing about the data."""
    return json_response(build_openapi(request.app[keys.CONFIG]))


def setup_openapi_route(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
