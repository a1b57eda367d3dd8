"""``GET /metrics`` (Prometheus text format) and the middleware that gives each request its
id, times the webhooks and names each request's database work after the door it came in
through (``web.ops.metrics.DB_SOURCE``, ``web.doors``)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST

from core import request_id
from web import keys
from web.doors import door_of
from web.ops.metrics import DB_SOURCE


def setup_metrics(app: web.Application) -> None:
    """Add the route and the request middleware; the composition root has put the app's
    ``Metrics`` on it."""
    app.router.add_get("/metrics", metrics_page)
    app.middlewares.append(observe_requests)


async def metrics_page(request: web.Request) -> web.Response:
    body = request.app[keys.METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@web.middleware
async def observe_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gives the request its id (``core.request_id``), names its database work after its
    door, and times the webhooks."""
    request_id.begin()
    door = door_of(request)
    DB_SOURCE.set(door)
    if door != "webhook":
        return await handler(request)
    app = request.app
    clock = app[keys.CLOCK]
    started = clock.monotonic()
    try:
        return await handler(request)
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        app[keys.METRICS].webhook_seconds.labels(name).observe(clock.monotonic() - started)
