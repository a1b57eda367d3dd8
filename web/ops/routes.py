"""``GET /metrics`` (Prometheus text format) and the middleware that times the webhooks and
names each request's database work (``web.ops.metrics.DB_SOURCE``)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST

from web import keys
from web.ops.metrics import DB_SOURCE, Metrics

WEBHOOK_PREFIX = "/webhook/"
_SOURCES = (("/healthz", "healthz"), (WEBHOOK_PREFIX, "webhook"), ("/api/", "api"))


def setup_metrics(app: web.Application) -> None:
    """Create the app's ``Metrics``, add the route and the request middleware. The composition
    root hands the engine to ``Metrics.watch_database`` once it exists."""
    cfg = app[keys.CONFIG]
    app[keys.METRICS] = Metrics(
        app[keys.CLOCK],
        app[keys.HEARTBEAT] if cfg.scheduler.enabled else None,
        lambda: app.get(keys.IRIS),
    )
    app.router.add_get("/metrics", metrics_page)
    app.middlewares.append(observe_requests)


async def metrics_page(request: web.Request) -> web.Response:
    body = request.app[keys.METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@web.middleware
async def observe_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    DB_SOURCE.set(next((source for prefix, source in _SOURCES if path.startswith(prefix)), "web"))
    if not path.startswith(WEBHOOK_PREFIX):
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
