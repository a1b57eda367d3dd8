"""The composition root: ``init_app`` builds every long-lived resource from the config and
wires the routes. Resources live in ``cleanup_ctx`` entries, so start-up and shutdown happen in
one place and in reverse order."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from commands.context import build_context
from commands.router import handle_event
from kbot.clock import Clock, SystemClock
from kbot.config import Config
from scheduler.heartbeat import Heartbeat
from storage.engine import create_engine, safe_url, session_factory
from storage.migrate import current_revision, head_revision
from web import health, keys
from web.api_errors import json_errors
from web.api_images import setup_image_routes
from web.api_routes import setup_api_routes
from web.image_checks import image_checks_ctx
from web.iris_monitor import iris_monitor_ctx
from web.metrics_route import setup_metrics
from web.pages import setup_pages
from web.scheduling import scheduler_ctx
from web.transport import bot_sender_ctx
from web.webhooks import setup_webhooks

log = logging.getLogger("kbot.app")


class SchemaOutOfDate(RuntimeError):
    pass


async def init_app(cfg: Config, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(client_max_size=cfg.server.max_body_bytes)
    app[keys.CONFIG] = cfg
    app[keys.CLOCK] = clock or SystemClock()
    app[keys.HEARTBEAT] = Heartbeat(
        app[keys.CLOCK], stale_after_s=max(30.0, 3 * cfg.scheduler.recheck_interval_s)
    )
    setup_metrics(app)  # GET /metrics; the instruments exist before anything starts
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_client)
    app.cleanup_ctx.append(bot_sender_ctx)
    app.cleanup_ctx.append(scheduler_ctx)
    app.cleanup_ctx.append(iris_monitor_ctx)  # Iris outages told to the ops room
    app.cleanup_ctx.append(_commands)
    app.cleanup_ctx.append(image_checks_ctx)  # uploads are decoded on it, a bounded number at once
    setup_webhooks(app)  # after the sender: drained before it closes
    app.router.add_get("/healthz", health.healthz)
    app.middlewares.append(json_errors)  # JSON errors under /api/
    setup_image_routes(app)
    setup_pages(app)  # the admin web page: login link, images, schedules, logs
    setup_api_routes(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    cfg = app[keys.CONFIG]
    engine = create_engine(cfg.database)
    try:
        current, head = await current_revision(engine), head_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"database schema is at {current or 'nothing'}, this kbot needs {head}: "
                "run `kbot db upgrade`"
            )
        log.info("database %s (%s)", safe_url(cfg.database.url), engine.dialect.name)
        app[keys.METRICS].watch_database(engine)
        app[keys.ENGINE] = engine
        app[keys.SESSIONS] = session_factory(engine)
        yield
    finally:
        await engine.dispose()


async def _commands(app: web.Application) -> AsyncIterator[None]:
    """The chat command layer, handed to the webhooks as their handler; its schedule service
    is shared with the REST API and the web pages (one validation, one permission check)."""
    context = build_context(
        app[keys.CONFIG], app[keys.SESSIONS], app[keys.CLOCK], app[keys.SCHEDULER]
    )
    app[keys.SCHEDULES] = context.schedules
    if keys.COMMAND_HANDLER not in app:  # a handler set by the caller (tests) wins
        handler = functools.partial(handle_event, context)
        app[keys.COMMAND_HANDLER] = app[keys.METRICS].observed(handler)
    yield


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        app[keys.HTTP] = session
        yield


def run(cfg: Config) -> None:
    """Serve until SIGINT/SIGTERM; aiohttp then stops accepting, runs the cleanup contexts
    (scheduler drained first, engine last) and exits."""
    log.info("kbot listening on http://%s:%d", cfg.server.host, cfg.server.port)
    web.run_app(
        init_app(cfg),
        host=cfg.server.host,
        port=cfg.server.port,
        print=None,
        access_log=None,
        shutdown_timeout=30,
    )
