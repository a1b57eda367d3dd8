"""Handlers of the ``스케줄`` commands: each turns a parsed command into Korean replies."""

from __future__ import annotations

from bot.chat_kinds import ChatKind
from bot.events import ChatEvent
from commands import campaign_text
from commands import format as fmt
from commands.context import CommandContext
from commands.grammar.form import blank_form
from commands.grammar.parse import (
    ScheduleCreate,
    ScheduleDelete,
    ScheduleEdit,
    ScheduleLogs,
    ScheduleSend,
    ScheduleShow,
    ScheduleTest,
    ScheduleToggle,
)
from commands.identity import Identity
from services import send_replies as replies
from services.permissions import Operation
from services.ports import RoomBusy
from services.schedule_rules import notes as rule_notes
from services.schedule_rules import values_of
from services.schedule_sends import NotATestRoom
from storage.models import Schedule

SAVED_PREVIEW = 3  # next send times shown after a create or an edit
SHOW_PREVIEW = 5
LOG_COUNT = 10


async def schedule_list(ctx: CommandContext, who: Identity, event: ChatEvent) -> list[str]:
    """Every schedule the admin may see in a 1:1 chat with the bot, a campaign's rows as one
    line; in any other room (the customers of a branch read it) only those sent to that room."""
    campaigns = ctx.schedules.campaigns
    if await ctx.in_direct_chat(event):
        rows = await ctx.schedules.list_visible(who.admin, standing=who.standing)
        if not rows:
            return [f"볼 수 있는 스케줄이 없습니다. {ctx.prefix}스케줄 등록 으로 만들어 보세요."]
        ids = await campaigns.campaign_ids([row.id for row, _ in rows])
        extras = await ctx.schedules.rules_for([row.id for row, _ in rows])
        entries = campaign_text.list_lines(rows, ids, ctx.today(), grouped=True, extras=extras)
        header = f"📅 스케줄 {len(entries)}개 (자세히: {ctx.prefix}스케줄 보기 ID 또는 C번호)"
        return fmt.split_messages(header, entries)
    rows = await ctx.schedules.list_visible(who.admin, standing=who.standing, room_id=event.room_id)
    rest = fmt.elsewhere("다른 방의 스케줄", f"{ctx.prefix}스케줄 목록")
    if not rows:
        return [f"이 방으로 보내는 스케줄이 없습니다. {rest}"]
    ids = await campaigns.campaign_ids([row.id for row, _ in rows])
    extras = await ctx.schedules.rules_for([row.id for row, _ in rows])
    entries = campaign_text.list_lines(rows, ids, ctx.today(), grouped=False, extras=extras)
    header = f"📅 이 방의 스케줄 {len(rows)}개 (자세히: {ctx.prefix}스케줄 보기 ID)"
    return fmt.split_messages(header, [*entries, rest])


async def schedule_show(ctx: CommandContext, who: Identity, command: ScheduleShow) -> list[str]:
    found = await ctx.schedules.get(command.id, who.admin, standing=who.standing)
    planned = ctx.schedules.plan(found.schedule, SHOW_PREVIEW, found.rule)
    test_room = found.meta.test_room_id if found.meta else None
    notify = found.meta.notify if found.meta else None
    shown = fmt.details(
        found.schedule,
        found.room,
        planned,
        ctx.today(),
        test_room,
        found.rule,
        notify,
        public_url=ctx.cfg.server.public_url,
    )
    return fmt.split_messages("", [shown])


async def schedule_create(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: ScheduleCreate
) -> list[str]:
    if command.form is None:
        return ["아래 양식을 복사해 채운 뒤 보내 주세요.", blank_form(ctx.prefix, ctx.today())]
    row = await ctx.schedules.create(
        command.form, who.admin, current_room_id=event.room_id, standing=who.standing
    )
    return [await saved_text(ctx, row, "등록")]


async def schedule_edit(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: ScheduleEdit
) -> list[str]:
    row = await ctx.schedules.edit(
        command.id, command.form, who.admin, current_room_id=event.room_id, standing=who.standing
    )
    return [await saved_text(ctx, row, "수정")]


async def saved_text(ctx: CommandContext, row: Schedule, verb: str) -> str:
    """The reply to a create or an edit: the rule, the next times, notes on the rule."""
    extra = (await ctx.schedules.rules_for([row.id])).get(row.id)
    upcoming = ctx.schedules.upcoming(row, SAVED_PREVIEW, extra)
    notes = rule_notes(values_of(extra))
    return fmt.saved(row, verb, upcoming, ctx.today(), extra, notes)


async def schedule_delete(ctx: CommandContext, who: Identity, command: ScheduleDelete) -> list[str]:
    if not command.confirmed:
        found = await ctx.schedules.get(
            command.id, who.admin, Operation.DELETE, standing=who.standing
        )
        logs = await ctx.schedules.log_count(command.id)
        kept = f" 발송 기록 {logs}건은 보관 파일로 옮겨 둡니다." if logs else ""
        return [
            f"#{command.id} {found.schedule.title} 스케줄을 정말 삭제하려면 아래처럼 입력해 "
            f"주세요.{kept}\n{ctx.prefix}스케줄 삭제 {command.id} 확인"
        ]
    done = await ctx.schedules.delete(command.id, who.admin, standing=who.standing)
    row = done.schedule
    kept = (
        f" 발송 기록 {done.archived_logs}건은 보관 파일({', '.join(done.archive_files)})에 "
        "옮겨 두었습니다."
        if done.archived_logs
        else ""
    )
    return [f"🗑 #{row.id} {row.title} 스케줄을 삭제했습니다.{kept}"]


async def schedule_toggle(ctx: CommandContext, who: Identity, command: ScheduleToggle) -> list[str]:
    done = await ctx.schedules.toggle(command.id, who.admin, on=command.on, standing=who.standing)
    row = done.schedule
    if command.on:
        did = "스케줄을 켰습니다" if done.changed else "스케줄은 이미 켜져 있습니다"
        return [f"▶️ #{row.id} {row.title} {did}. {fmt.next_line(row, ctx.today())}"]
    did = "스케줄을 껐습니다" if done.changed else "스케줄은 이미 꺼져 있습니다"
    return [f"⏸ #{row.id} {row.title} {did}. 다시 켜려면 {ctx.prefix}스케줄 켜기 {row.id}"]


async def schedule_test(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: ScheduleTest
) -> list[str]:
    again = f"스케줄 테스트 {command.id} 확인"
    return await test_row(ctx, who, event, command.id, command.confirmed, again)


async def test_row(
    ctx: CommandContext,
    who: Identity,
    event: ChatEvent,
    schedule_id: int,
    confirmed: bool,
    again: str,
) -> list[str]:
    """A test send of one row, worded for chat; ``again`` is the command that confirms it."""

    async def in_direct_chat() -> bool:
        return await ctx.chat_kinds.kind_of(event) is ChatKind.DIRECT

    try:
        room_id, result = await ctx.sends.test_send(
            schedule_id,
            who.admin,
            current_room_id=event.room_id,
            in_direct_chat=in_direct_chat,
            confirmed=confirmed,
            standing=who.standing,
        )
    except NotATestRoom:
        return [replies.not_a_test_room_text(ctx.prefix, schedule_id)]
    except RoomBusy as busy:
        return [_busy(ctx, event, busy, again, "테스트방")]
    where = _where(event, room_id, "테스트방")
    return [replies.outcome_text(schedule_id, "🧪", "테스트 발송", where, result, ctx.prefix)]


async def schedule_send(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: ScheduleSend
) -> list[str]:
    try:
        room_id, result = await ctx.sends.send_now(
            command.id, who.admin, confirmed=command.confirmed, standing=who.standing
        )
    except RoomBusy as busy:
        return [_busy(ctx, event, busy, f"스케줄 발송 {command.id} 확인", "대상 방")]
    where = _where(event, room_id, "대상 방")
    return [replies.outcome_text(command.id, "📤", "지금 발송", where, result, ctx.prefix)]


def _where(event: ChatEvent, room_id: str, label: str) -> str:
    return "이 방" if room_id == event.room_id else f"{label}({room_id})"


def _busy(ctx: CommandContext, event: ChatEvent, busy: RoomBusy, again: str, label: str) -> str:
    """Not queued: the room was just sent to; how to queue it anyway."""
    text = replies.busy_text(busy, _where(event, busy.room_id, label))
    return f"⏳ {text} 그래도 지금 예약하려면 '{ctx.prefix}{again}'"


async def schedule_logs(ctx: CommandContext, who: Identity, command: ScheduleLogs) -> list[str]:
    logs = await ctx.schedules.logs(command.id, who.admin, LOG_COUNT, standing=who.standing)
    if not logs:
        return [f"#{command.id} 스케줄은 아직 발송 기록이 없습니다."]
    header = f"📜 #{command.id} 최근 발송 {len(logs)}건"
    return fmt.split_messages(header, fmt.log_lines(logs, ctx.today()))
