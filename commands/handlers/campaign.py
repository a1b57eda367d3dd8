"""Handlers of the ``스케줄`` commands on a campaign (``C12``, or a create naming several rooms
or ``ORG 전체``): they act on all of the campaign's rows through ``CampaignService``; a single
row is still managed alone by its ``#id`` (``commands.handlers.schedule``)."""

from __future__ import annotations

from bot.events import ChatEvent
from commands import campaign_text as text
from commands import format as fmt
from commands.context import CommandContext
from commands.grammar.parse import (
    ScheduleDelete,
    ScheduleEdit,
    ScheduleLogs,
    ScheduleShow,
    ScheduleTest,
    ScheduleToggle,
)
from commands.handlers.schedule import LOG_COUNT, SAVED_PREVIEW, SHOW_PREVIEW, test_row
from commands.identity import Identity
from core.particles import attach
from services.campaigns import CampaignSaved, campaign_label
from services.permissions import Operation
from services.schedule_form import ScheduleForm
from services.schedule_labels import rule


def is_campaign(form: ScheduleForm | None) -> bool:
    """Whether a create's form names several rooms or an org (a campaign), not one room."""
    return form is not None and form.room is not None and form.room.single is None


async def campaign_create(
    ctx: CommandContext, who: Identity, event: ChatEvent, form: ScheduleForm
) -> list[str]:
    saved = await ctx.schedules.campaigns.create(
        form, who.admin, current_room_id=event.room_id, standing=who.standing
    )
    return [await _saved(ctx, saved, "등록")]


async def campaign_edit(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: ScheduleEdit
) -> list[str]:
    saved = await ctx.schedules.campaigns.edit(
        command.id, command.form, who.admin, current_room_id=event.room_id, standing=who.standing
    )
    reply = await _saved(ctx, saved, "수정")
    if command.form.room is not None:
        reply += "\n" + text.changes(saved.added, saved.removed)
    return [reply]


async def _saved(ctx: CommandContext, saved: CampaignSaved, verb: str) -> str:
    """``✅ 캠페인 C12 등록 — N개 방``, the title, the rule, the first row's next sends and the
    spread."""
    label = campaign_label(saved.campaign.id)
    lines = [f"✅ 캠페인 {label} {verb} — {len(saved.rows)}개 방", saved.campaign.title]
    if saved.rows:
        first = saved.rows[0]
        extra = (await ctx.schedules.rules_for([first.id])).get(first.id)
        upcoming = ctx.schedules.upcoming(first, SAVED_PREVIEW, extra)
        lines += [rule(first, extra), text.upcoming_line(upcoming, ctx.today())]
    pairs = [(row, place.room) for row, place in zip(saved.rows, saved.places, strict=False)]
    spread = text.spread_line(saved.campaign, pairs)
    if spread:
        lines.append(spread)
    lines.append(f"자세히: {ctx.prefix}스케줄 보기 {label}")
    return "\n".join(lines)


async def campaign_show(ctx: CommandContext, who: Identity, command: ScheduleShow) -> list[str]:
    view = await ctx.schedules.campaigns.get(command.id, who.admin, standing=who.standing)
    first = [row.id for row, _ in view.rows[:1]]
    extras = await ctx.schedules.rules_for(first)
    notify = next(iter((await ctx.schedules.notify_modes(first)).values()), "failures")
    return text.details(
        view.campaign,
        view.rows,
        ctx.today(),
        SHOW_PREVIEW,
        extras,
        notify,
        public_url=ctx.cfg.server.public_url,
    )


async def campaign_toggle(ctx: CommandContext, who: Identity, command: ScheduleToggle) -> list[str]:
    done = await ctx.schedules.campaigns.toggle(
        command.id, who.admin, on=command.on, standing=who.standing
    )
    label = campaign_label(done.campaign.id)
    already = done.total - done.changed - done.skipped
    again = f"다시 켜려면 {ctx.prefix}스케줄 켜기 {label}"
    if not command.on:
        if not done.changed:
            return [
                f"⏸ 캠페인 {label}의 방 스케줄 {done.total}개는 이미 모두 꺼져 있습니다. {again}"
            ]
        why = f" ({already}개는 이미 꺼져 있음)" if already else ""
        return [f"⏸ 캠페인 {label}: {done.changed}개 방 스케줄을 껐습니다{why}. {again}"]
    if not done.changed and not done.skipped:
        return [f"▶️ 캠페인 {label}의 방 스케줄 {done.total}개는 이미 모두 켜져 있습니다."]
    notes = [f"{already}개는 이미 켜져 있음"] if already else []
    if done.skipped:
        notes.append(f"{done.skipped}개는 방이 없거나 비활성이라 건너뜀")
    why = f" ({', '.join(notes)})" if notes else ""
    return [f"▶️ 캠페인 {label}: {done.changed}개 방 스케줄을 켰습니다{why}."]


async def campaign_delete(ctx: CommandContext, who: Identity, command: ScheduleDelete) -> list[str]:
    label = campaign_label(command.id)
    if not command.confirmed:
        view = await ctx.schedules.campaigns.get(
            command.id, who.admin, Operation.DELETE, standing=who.standing
        )
        return [
            f"캠페인 {label} {view.campaign.title} — 방 {len(view.rows)}개의 스케줄을 모두 "
            "삭제하려면 아래처럼 입력해 주세요. 발송 기록은 보관 파일로 옮겨 둡니다.\n"
            f"{ctx.prefix}스케줄 삭제 {label} 확인"
        ]
    done = await ctx.schedules.campaigns.delete(command.id, who.admin, standing=who.standing)
    kept = (
        f" 발송 기록 {done.archived_logs}건은 보관 파일({', '.join(done.archive_files)})에 "
        "옮겨 두었습니다."
        if done.archived_logs
        else ""
    )
    title = done.campaign.title
    return [f"🗑 캠페인 {label} {title} — 방 {done.rows}개의 스케줄을 모두 삭제했습니다.{kept}"]


async def campaign_test(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: ScheduleTest
) -> list[str]:
    """One test send of the campaign's first row (to its test room, else where the rules of
    ``ScheduleSends.test_send`` allow)."""
    row, room = await ctx.schedules.campaigns.row_for_room(
        command.id, who.admin, None, standing=who.standing
    )
    label = campaign_label(command.id)
    again = f"스케줄 테스트 {label} 확인"
    answer = await test_row(ctx, who, event, row.id, command.confirmed, again)
    where = room.name if room else row.target_room_id
    return [f"캠페인 {label}의 첫 방({where}) 스케줄 #{row.id}로 테스트합니다.", *answer]


async def campaign_logs(ctx: CommandContext, who: Identity, command: ScheduleLogs) -> list[str]:
    label = campaign_label(command.id)
    logs = await ctx.schedules.campaigns.logs(
        command.id, who.admin, LOG_COUNT, standing=who.standing
    )
    if not logs:
        return [f"캠페인 {attach(label, '은')} 아직 발송 기록이 없습니다."]
    lines = fmt.log_lines([(log, kind) for log, kind, _ in logs], ctx.today())
    rooms = [room.name if room else log.target_room_id for log, _, room in logs]
    header = f"📜 캠페인 {label} 최근 발송 {len(logs)}건"
    return fmt.split_messages(
        header, [f"{line} · {name}" for line, name in zip(lines, rooms, strict=True)]
    )
