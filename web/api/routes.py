"""The REST API's routes besides the images (``web.api.images``): schedules, send logs,
rooms, statistics and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from web.api.logs import setup_log_routes
from web.api.openapi import setup_openapi_route
from web.api.schedules import setup_schedule_routes
from web.api.sends import setup_send_routes
from web.api.stats import setup_stats_routes


def setup_api_routes(app: web.Application) -> None:
    setup_schedule_routes(app)
    setup_send_routes(app)
    setup_log_routes(app)
    setup_stats_routes(app)
    setup_openapi_route(app)
