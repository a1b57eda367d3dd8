"""The scheduler's place in the web process: built from the app's resources in a cleanup
context, started when ``scheduler.enabled``, stopped (parts in flight finished, claims given
back, the sends people asked for ended with their log rows) on shutdown, enabled or not."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.sender import PRIORITY_SCHEDULED, BotSender
from core.alerts import Alert, Notify
from scheduler.alerts import AlertGate
from scheduler.service import Scheduler
from storage.engine import is_mysql
from web import keys
from web.ops.metrics import DB_SOURCE

log = logging.getLogger("kbot.scheduling")


def chat_alerts(sender: BotSender) -> Notify:
    """Alerts go into a KakaoTalk room through the bot itself."""

    async def notify(alert: Alert) -> None:
        await sender.send_text(alert.room_id, alert.text, priority=PRIORITY_SCHEDULED)

    return notify


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
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
    )
    app[keys.SCHEDULER] = scheduler
    if cfg.scheduler.enabled:
        source = DB_SOURCE.set("scheduler")  # inherited by the tasks the scheduler creates
        scheduler.start()
        DB_SOURCE.reset(source)
    else:
        log.info("scheduler disabled (scheduler.enabled = false)")
    try:
        yield
    finally:
        await scheduler.stop()  # also ends the sends people asked for (API, chat)
