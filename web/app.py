"""The composition root: ``init_app`` builds every long-lived resource from the config and
wires the routes. Resources live in ``cleanup_ctx`` entries, so start-up and shutdown happen in
one place and in reverse order. ``web.serve`` runs it for ``kbot serve``."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat_kinds import EventChatKinds
from bot.iris.build import bot_sender_ctx
from bot.iris.monitor import iris_monitor_ctx
from bot.iris.rooms import IrisRoomKinds
from commands.context import build_context
from commands.router import handle_event
from core.clock import Clock, SystemClock
from core.config import Config
from kbot.scheduling import scheduler_ctx
from scheduler.heartbeat import Heartbeat
from storage.engine import create_engine, safe_url, server_zone_minutes, session_factory
from storage.migrate import current_revision, head_revision
from web import keys
from web.api.errors import json_errors
from web.api.images import setup_image_routes
from web.api.routes import setup_api_routes
from web.image_checks import image_checks_ctx
from web.ops import health
from web.ops.routes import setup_metrics
from web.pages.routes import setup_pages
from web.webhooks.routes import setup_webhooks

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
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    try:
        current, head = await current_revision(engine), head_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"database schema is at {current or 'nothing'}, this kbot needs {head}: "
                "run `kbot db upgrade`"
            )
        log.info("database %s (%s)", safe_url(cfg.database.url), engine.dialect.name)
        await _check_server_zone(engine, cfg)
        app[keys.METRICS].watch_database(engine)
        app[keys.ENGINE] = engine
        app[keys.SESSIONS] = session_factory(engine)
        yield
    finally:
        await engine.dispose()


async def _check_server_zone(engine: AsyncEngine, cfg: Config) -> None:
    """Warn when the database server's default zone is not ``timezone``: the PHP site's
    ``CURRENT_TIMESTAMP`` values (``created_at``, ``updated_at``) would then not be local."""
    server = await server_zone_minutes(engine)
    local = cfg.tz.utcoffset(datetime.now(cfg.tz))
    if server is not None and local is not None and server != local.total_seconds() // 60:
        log.warning(
            "the database server's default time zone is UTC%+d min, not %s: rows the PHP site "
            "writes get created_at/updated_at in the server's zone (kbot's own are local); "
            "set default-time-zone in the server's configuration (docs/operations.md)",
            server,
            cfg.timezone,
        )


async def _commands(app: web.Application) -> AsyncIterator[None]:
    """The chat command layer, handed to the webhooks as their handler; its schedule service
    is shared with the REST API and the web pages (one validation, one permission check).
    Whether a room is a 1:1 chat (for login links) is asked of the Iris device when the
    transport is Iris; in a dry run only what a skill request says is known."""
    iris = app.get(keys.IRIS)
    rooms = None if iris is None else IrisRoomKinds(iris, app[keys.CLOCK])
    context = build_context(
        app[keys.CONFIG],
        app[keys.SESSIONS],
        app[keys.CLOCK],
        app[keys.SCHEDULER],
        EventChatKinds(rooms),
    )
    app[keys.SCHEDULES] = context.schedules
    app[keys.SENDS] = context.sends
    if keys.COMMAND_HANDLER not in app:  # a handler set by the caller (tests) wins
        handler = functools.partial(handle_event, context)
        app[keys.COMMAND_HANDLER] = app[keys.METRICS].observed(handler)
    yield


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        app[keys.HTTP] = session
        yield
