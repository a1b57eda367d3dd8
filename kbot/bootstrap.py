"""The composition root: the ONE place that builds every long-lived resource from the config.

``init_app`` builds the aiohttp application for ``kbot serve`` (``web.serve``) and the tests:
the clock, the heartbeat and the metrics at once; then, in ``cleanup_ctx`` entries (started in
this order, closed in reverse), the database (schema checked), the HTTP client, the sender
(dry run or Iris, with its room devices), the scheduler (its alert gate and metrics hook), the
Iris monitor, the chat command handler, the upload check pool and the webhooks' state. The
routes and middlewares are added by ``web.app.assemble`` from those parts.

``database`` is the engine for the block with its schema checked; the CLI uses it too.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat_kinds import EventChatKinds
from bot.events import ChatEvent
from bot.iris.build import device_safety, iris_devices, open_sender
from bot.iris.monitor import IrisMonitor
from bot.iris.rooms import IrisRoomKinds
from bot.iris.safety import DeviceSafety
from bot.iris.standby import MembershipRecorder, RoomReach
from bot.sender import SendError, chat_alerts
from commands.context import build_context
from commands.router import handle_event
from core.background import running
from core.clock import Clock, SystemClock
from core.config import Config
from scheduler.alerts import AlertGate
from scheduler.heartbeat import Heartbeat
from scheduler.holiday_source import HolidaySource
from scheduler.notices import Notices
from scheduler.service import Scheduler
from services.weekly_digest import WeeklyDigest
from storage.engine import create_engine, is_mysql, safe_url, server_zone_minutes, session_factory
from storage.migrate import check_schema as check_schema_of
from web import keys
from web.app import assemble
from web.image_checks import image_checks_ctx
from web.ops.metrics import DB_SOURCE, Metrics
from web.webhooks.engagement import EngagementCapture
from web.webhooks.state import WebhookState

log = logging.getLogger("kbot.app")
scheduling_log = logging.getLogger("kbot.scheduling")  # the names these lines always had
webhooks_log = logging.getLogger("kbot.webhooks")
DRAIN_TIMEOUT_S = 10.0  # how long shutdown waits for the webhooks' background work


@contextlib.asynccontextmanager
async def database(cfg: Config, *, check_schema: bool = True) -> AsyncIterator[AsyncEngine]:
    """The engine for the block, disposed after it; ``SchemaOutOfDate`` unless the schema is
    at the head revision (when ``check_schema``)."""
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    try:
        if check_schema:
            await check_schema_of(engine)
        yield engine
    finally:
        await engine.dispose()


async def init_app(cfg: Config, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(client_max_size=cfg.server.max_body_bytes)
    app[keys.CONFIG] = cfg
    app[keys.CLOCK] = clock = clock or SystemClock()
    heartbeat = Heartbeat(clock, stale_after_s=max(30.0, 3 * cfg.scheduler.recheck_interval_s))
    app[keys.HEARTBEAT] = heartbeat
    # the instruments exist before anything starts
    app[keys.METRICS] = Metrics(
        clock, heartbeat if cfg.scheduler.enabled else None, lambda: app.get(keys.IRIS)
    )
    app[keys.METRICS].watch_devices(lambda: app.get(keys.IRIS), lambda: app.get(keys.DEVICE_SAFETY))
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_client)
    app.cleanup_ctx.append(_sender)
    app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.append(_receipt_sweep)  # with Iris: unconfirmed parts, old receipts
    app.cleanup_ctx.append(_notice_sweep)  # 알림 모두: send results, campaign summaries
    app.cleanup_ctx.append(_iris_monitor)  # Iris outages told to the ops room
    app.cleanup_ctx.append(_commands)
    app.cleanup_ctx.append(image_checks_ctx)  # uploads are decoded on it, a bounded number at once
    app.cleanup_ctx.append(_webhooks)  # after the sender: drained before it closes
    assemble(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    cfg = app[keys.CONFIG]
    async with database(cfg) as engine:
        log.info("database %s (%s)", safe_url(cfg.database.url), engine.dialect.name)
        await _check_server_zone(engine, cfg)
        app[keys.METRICS].watch_database(engine)
        app[keys.ENGINE] = engine
        app[keys.SESSIONS] = session_factory(engine)
        yield


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


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        app[keys.HTTP] = session
        yield


async def _sender(app: web.Application) -> AsyncIterator[None]:
    safety = _device_safety(app)
    app[keys.ROOM_REACH] = reach = RoomReach(iris_devices(app[keys.CONFIG]))
    opened = open_sender(
        app[keys.CONFIG],
        app[keys.HTTP],
        app[keys.SESSIONS],
        app[keys.CLOCK],
        safety=safety,
        reach=reach,
    )
    async with opened as (sender, iris):
        app[keys.SENDER] = sender
        if iris is not None:
            app[keys.IRIS] = iris
        yield


def _device_safety(app: web.Application) -> DeviceSafety | None:
    """The Iris devices' pause, breaker and budgets (Iris transport only), kept on the app for
    /healthz, /metrics and the restriction-notice observer."""
    cfg = app[keys.CONFIG]
    if cfg.bot.transport != "iris":
        return None
    app[keys.DEVICE_SAFETY] = safety = device_safety(cfg, app[keys.SESSIONS], app[keys.CLOCK])
    return safety


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    """Built even when ``scheduler.enabled`` is false (sends people ask for go through it);
    stopped on shutdown either way (parts in flight finished within the grace, claims given
    back, the sends people asked for ended with their log rows)."""
    cfg = app[keys.CONFIG]
    sender = app[keys.SENDER]
    scheduler = Scheduler(
        cfg,
        app[keys.SESSIONS],
        sender,
        app[keys.CLOCK],
        mysql=is_mysql(app[keys.ENGINE]),
        heartbeat=app[keys.HEARTBEAT],
        notify=AlertGate(chat_alerts(sender), app[keys.CLOCK], cfg.alerts.min_interval_s),
        on_outcome=app[keys.METRICS].observe_send,  # kbot_sends_total, lateness histogram
        holidays=HolidaySource(app[keys.SESSIONS], app[keys.CLOCK], cfg.tz),
        **_receipt_hooks(app),
    )
    app[keys.SCHEDULER] = scheduler
    if cfg.scheduler.enabled:
        source = DB_SOURCE.set("scheduler")  # inherited by the tasks the scheduler creates
        scheduler.start()
        DB_SOURCE.reset(source)
    else:
        logging.getLogger("kbot.scheduling").info("scheduler disabled (scheduler.enabled = false)")
    try:
        yield
    finally:
        await scheduler.stop()  # also ends the sends people asked for (API, chat)


def _receipt_hooks(app: web.Application) -> dict[str, Any]:
    """Delivery receipts for the scheduler, with the Iris transport only (a dry run
    confirms nothing)."""
    iris = app.get(keys.IRIS)
    if iris is None:
        return {}
    return {"device_for": iris.device_for, "on_receipt": app[keys.METRICS].observe_receipt}


async def _receipt_sweep(app: web.Application) -> AsyncIterator[None]:
    """Parts whose echo is overdue become unconfirmed, every second on the clock."""
    book = app[keys.SCHEDULER].receipts
    if book is None:
        yield
        return
    async with running(book.run(), name="receipt-sweep"):
        yield


async def _notice_sweep(app: web.Application) -> AsyncIterator[None]:
    """Live notices (``scheduler.notices``) and the weekly digest when configured
    (``services.weekly_digest``), every few seconds on the clock, told through the
    scheduler's alert gate."""
    cfg = app[keys.CONFIG]
    deps = app[keys.SCHEDULER].deps
    at = cfg.alerts.digest_at
    digest = None
    if at is not None and cfg.alerts.ops_room_id and deps.notify is not None:
        digest = WeeklyDigest(
            app[keys.SESSIONS], app[keys.CLOCK], cfg.tz, cfg.alerts.ops_room_id, at, deps.notify
        )
    elif at is not None:
        logging.getLogger("kbot.digest").warning(
            "alerts.weekly_digest is set but alerts.ops_room_id is not: no digest is sent"
        )
    notices = Notices(deps, extra=None if digest is None else digest.run_due)
    async with running(notices.run(), name="notice-sweep"):
        yield


async def _iris_monitor(app: web.Application) -> AsyncIterator[None]:
    """Runs the monitor while the app serves, with the iris transport only."""
    if keys.IRIS not in app:
        yield
        return
    cfg = app[keys.CONFIG]
    monitor = IrisMonitor(
        app[keys.IRIS].last_config_ok,
        chat_alerts(app[keys.SENDER]),
        app[keys.CLOCK],
        ops_room_id=cfg.alerts.ops_room_id,
        down_after_s=cfg.alerts.iris_down_after_s,
        tz=cfg.tz,
    )
    async with running(monitor.run(), name="iris-monitor"):
        yield


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
        app[keys.SCHEDULER].holidays,
    )
    app[keys.SCHEDULES] = context.schedules
    app[keys.ACCESS] = context.access
    app[keys.SENDS] = context.sends
    if keys.COMMAND_HANDLER not in app:  # a handler set by the caller (tests) wins
        handler = functools.partial(handle_event, context)
        app[keys.COMMAND_HANDLER] = app[keys.METRICS].observed(handler)
    yield


async def _webhooks(app: web.Application) -> AsyncIterator[None]:
    state = WebhookState(bot_id=await _bot_id(app))
    if keys.DEVICE_SAFETY in app:  # KakaoTalk restriction notices pause their device
        state.observers.append(app[keys.DEVICE_SAFETY].observe)
    if keys.IRIS in app:  # which device sees which room: where a standby may take over
        state.observers.append(_room_membership(app))
    app[keys.WEBHOOKS] = state
    _observe_echoes(app, state)
    # replies to the bot's messages and member messages per room and hour (issue 19)
    capture = EngagementCapture(app[keys.SESSIONS], app[keys.CLOCK], state.bot_id)
    app[keys.ENGAGEMENT] = capture
    state.observers.append(capture)
    async with running(capture.run(), name="engagement-flush"):
        yield
        await state.tasks.drain(DRAIN_TIMEOUT_S)
    await capture.flush()  # the counts of the last seconds


def _observe_echoes(app: web.Application, state: WebhookState) -> None:
    """The bot's own echoes confirm the parts they match (``scheduler.receipt_book``)."""
    book = app[keys.SCHEDULER].receipts
    if book is None:
        return

    async def observe(event: ChatEvent, device: str | None) -> None:
        await book.on_event(event, state.bot_id)

    state.observers.append(observe)


def _room_membership(app: web.Application) -> MembershipRecorder:
    """Records which device forwarded an event of which room (``&device=NAME`` in the Iris
    webhook URL): the rooms a standby may take over."""
    return MembershipRecorder(app[keys.SESSIONS], app[keys.ROOM_REACH], app[keys.CLOCK])


async def _bot_id(app: web.Application) -> str | None:
    """The bot's own KakaoTalk user id: ``bot.iris.bot_id``, else Iris ``GET /config``."""
    configured = app[keys.CONFIG].bot.iris.bot_id
    iris = app.get(keys.IRIS)
    if configured or iris is None:
        return configured or None
    try:
        bot_id = (await iris.fetch_config()).get("bot_id")
    except SendError as exc:
        webhooks_log.warning(
            "cannot learn the bot's user id from Iris (%s); relying on isMine", exc
        )
        return None
    return str(bot_id) if bot_id else None
