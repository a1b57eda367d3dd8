"""The composition root: ``init_app`` builds every long-lived resource from the config and
wires the routes. Resources live in ``cleanup_ctx`` entries, so start-up and shutdown happen in
one place and in reverse order."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from kbot.clock import Clock, SystemClock
from kbot.config import Config
from scheduler.heartbeat import Heartbeat
from storage.engine import create_engine, safe_url, session_factory
from storage.migrate import current_revision, head_revision
from web import health, keys
from web.transport import bot_sender_ctx

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
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_client)
    app.cleanup_ctx.append(bot_sender_ctx)
    app.router.add_get("/healthz", health.healthz)
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
        app[keys.ENGINE] = engine
        app[keys.SESSIONS] = session_factory(engine)
        yield
    finally:
        await engine.dispose()


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
