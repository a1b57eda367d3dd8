"""Typed keys for everything the composition root puts on the aiohttp application."""

from __future__ import annotations

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.iris.client import IrisSender
from bot.iris.safety import DeviceSafety
from bot.iris.standby import RoomReach
from bot.sender import BotSender
from core.clock import Clock
from core.config import Config
from scheduler.heartbeat import Heartbeat
from scheduler.service import Scheduler
from services.accounts import AccessService
from services.schedule_sends import ScheduleSends
from services.schedules import ScheduleService
from storage.image_pool import ImageCheckPool
from web.ops.metrics import Metrics
from web.webhooks.engagement import EngagementCapture
from web.webhooks.state import CommandHandler, WebhookState

CONFIG = web.AppKey("config", Config)
CLOCK = web.AppKey("clock", Clock)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
HTTP = web.AppKey("http", ClientSession)
HEARTBEAT = web.AppKey("heartbeat", Heartbeat)
SENDER = web.AppKey("sender", BotSender)
IRIS = web.AppKey("iris", IrisSender)  # only with transport "iris"
# the Iris devices' pause, breaker and budgets; only with transport "iris"
DEVICE_SAFETY = web.AppKey("device_safety", DeviceSafety)
# which Iris devices are known to be in which rooms (standby failover), learned from webhooks
ROOM_REACH = web.AppKey("room_reach", RoomReach)
SCHEDULER = web.AppKey("scheduler", Scheduler)  # built even when not enabled
# the chat command layer the webhooks call; set by the composition root
COMMAND_HANDLER: web.AppKey[CommandHandler] = web.AppKey("command_handler")
WEBHOOKS = web.AppKey("webhooks", WebhookState)
ENGAGEMENT = web.AppKey("engagement", EngagementCapture)  # replies and room activity
SCHEDULES = web.AppKey("schedules", ScheduleService)  # shared by chat, API and web pages
ACCESS = web.AppKey("access", AccessService)  # admins, rooms, tokens: shared by every door
SENDS = web.AppKey("sends", ScheduleSends)  # sending a schedule now, shared by chat and API
METRICS = web.AppKey("metrics", Metrics)  # this app's Prometheus registry and instruments
# where uploads are checked (decoded), a bounded number at once; shared by the API and web page
IMAGE_CHECKS = web.AppKey("image_checks", ImageCheckPool)
