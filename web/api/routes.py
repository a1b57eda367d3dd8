"""The REST API's routes besides the images (``web.api.images``): schedules, send logs,
rooms, statistics, reports, admins and tokens, and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from web.api.admins import setup_admin_routes
from web.api.logs import setup_log_routes
from web.api.openapi import setup_openapi_route
from web.api.reports import setup_report_routes
from web.api.schedules import setup_schedule_routes
from web.api.sends import setup_send_routes
from web.api.stats import setup_stats_routes
from web.doors import claim, door


def setup_api_routes(app: web.Application) -> None:
    """The API door's routes (``web.doors``); every request under ``/api/``, also one no
    route matches, is the API's, answered with JSON errors (``web.api.errors``)."""
    with door(app, "api"):
        setup_schedule_routes(app)
        setup_send_routes(app)
        setup_log_routes(app)
        setup_stats_routes(app)
        setup_report_routes(app)
        setup_admin_routes(app)
        setup_openapi_route(app)
    claim(app, "/api/", "api")
