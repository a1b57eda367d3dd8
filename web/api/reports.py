"""``GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv][&org=CODE]``: the report
(``services.reports``) of what the token's admin may see, per schedule and per campaign, as
JSON with the notes on what the numbers mean, or the schedules as CSV (``web.report_csv``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from services.report_notes import notes
from services.reports import Report
from web.api.auth import require_admin
from web.api.errors import api_error
from web.json_out import json_response
from web.report_csv import csv_headers, report_csv
from web.report_query import ReportQueryError, load_report

FORMATS = ("json", "csv")


def setup_report_routes(app: web.Application) -> None:
    app.router.add_get("/api/reports", reports)


async def reports(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    form = request.query.get("format", "json")
    if form not in FORMATS:
        raise api_error(
            400, "invalid_parameter", "format은(는) json, csv 중 하나여야 합니다.", "format"
        )
    try:
        report, org = await load_report(request.app, admin, request.query)
    except ReportQueryError as problem:
        code = "invalid_parameter" if problem.status == 400 else "not_found"
        raise api_error(problem.status, code, problem.message, problem.field) from None
    if form == "csv":
        return web.Response(body=report_csv(report), headers=csv_headers(report))
    return json_response(report_json(report, None if org is None else org.code))


def report_json(report: Report, org: str | None) -> dict[str, Any]:
    return {
        "date_from": str(report.window.first),
        "date_to": str(report.window.last),
        "org": org,
        "schedules": [asdict(row) for row in report.schedules],
        "campaigns": [asdict(row) for row in report.campaigns],
        "notes": notes(),
    }
