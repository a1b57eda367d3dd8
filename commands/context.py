"""Everything a chat command handler needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.ports import SchedulerPort
from commands.schedule_checks import Limits
from commands.schedules import ScheduleService
from kbot.clock import Clock
from kbot.config import Config


@dataclass(frozen=True, slots=True)
class CommandContext:
    cfg: Config
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    scheduler: SchedulerPort
    schedules: ScheduleService
    tz: ZoneInfo

    @property
    def prefix(self) -> str:
        return self.cfg.bot.command_prefix


def build_context(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    scheduler: SchedulerPort,
) -> CommandContext:
    tz = cfg.tz
    limits = Limits(
        max_text_length=cfg.scheduler.max_text_length,
        max_images=cfg.web.max_images_per_schedule,
    )
    service = ScheduleService(sessions, clock, tz, limits, scheduler)
    return CommandContext(cfg, sessions, clock, scheduler, service, tz)
