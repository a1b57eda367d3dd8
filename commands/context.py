"""Everything a chat command handler needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat_kinds import ChatKind
from bot.events import ChatEvent
from commands.grammar.verbs import help_text
from commands.identity import IdentityCache
from commands.reply_gate import ReplyGate
from core.clock import Clock
from core.config import Config
from core.timeutil import to_local_naive
from services.accounts import AccessService
from services.ports import NO_CALENDARS, ChatKinds, HolidayCalendars, SchedulerPort
from services.schedule_checks import Limits
from services.schedule_sends import ScheduleSends
from services.schedules import ScheduleService
from services.templates import TemplateService
from storage.engine import ReadSessions, read_sessions


@dataclass(frozen=True, slots=True)
class CommandContext:
    cfg: Config
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: ReadSessions  # for sessions that never write
    clock: Clock
    scheduler: SchedulerPort
    schedules: ScheduleService
    sends: ScheduleSends  # sending a schedule now (test, manual)
    templates: TemplateService  # saved message texts (!템플릿)
    access: AccessService  # admins, rooms, tokens: deactivation, invites
    identities: IdentityCache
    replies: ReplyGate  # how much may be said, per room and sender
    chat_kinds: ChatKinds  # where a login link may go, and what a reply may show
    tz: ZoneInfo
    help_reply: str  # the same for everyone, so built once

    @property
    def prefix(self) -> str:
        return self.cfg.bot.command_prefix

    def today(self) -> date:
        """The local date now, in the configured zone (what replies call "today")."""
        return to_local_naive(self.clock.now(), self.tz).date()

    async def in_direct_chat(self, event: ChatEvent) -> bool:
        """Whether ``event``'s room is certainly a 1:1 chat with the bot, where only the
        sender reads the reply; a room nobody can tell about counts as a group room."""
        return await self.chat_kinds.kind_of(event) is ChatKind.DIRECT


def build_context(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    scheduler: SchedulerPort,
    chat_kinds: ChatKinds,
    holidays: HolidayCalendars = NO_CALENDARS,
) -> CommandContext:
    tz = cfg.tz
    limits = Limits(
        max_text_length=cfg.scheduler.max_text_length,
        max_images=cfg.web.max_images_per_schedule,
        public_url=cfg.server.public_url,
    )
    reads = read_sessions(sessions, cfg.database)
    archive = cfg.data_path / "archive"
    prefix = cfg.bot.command_prefix
    service = ScheduleService(
        sessions,
        reads,
        clock,
        tz,
        limits,
        scheduler,
        archive,
        prefix,
        holidays,
        holiday_policy=cfg.scheduler.holiday_policy,
    )
    return CommandContext(
        cfg,
        sessions,
        reads,
        clock,
        scheduler,
        service,
        ScheduleSends(reads, clock, scheduler, tz, prefix),
        TemplateService(sessions, clock, limits, prefix),
        AccessService(sessions, reads, clock),
        IdentityCache(reads, clock),
        ReplyGate(
            clock,
            per_room=cfg.bot.replies_per_room_per_minute,
            per_sender=cfg.bot.replies_per_sender_per_minute,
        ),
        chat_kinds,
        tz,
        help_text(cfg.bot.command_prefix),
    )
