"""Handlers of ``!스케줄 건너뛰기`` and ``!스케줄 일시정지`` on a schedule (``#12``) or on every
active row of a campaign (``C12``): the reply names the time skipped and the one after it, or
the first send after the pause."""

from __future__ import annotations

from commands.context import CommandContext
from commands.grammar.parse import SchedulePause, ScheduleSkip
from commands.identity import Identity
from services.schedule_labels import when
from services.schedule_pauses import CampaignPaused


async def schedule_skip(ctx: CommandContext, who: Identity, command: ScheduleSkip) -> list[str]:
    if command.campaign:
        over = await ctx.schedules.pauses.skip_campaign(
            command.id, who.admin, standing=who.standing
        )
        return [
            f"⏭ 캠페인 C{over.campaign.id} {over.campaign.title}: {_rooms(over)}의 다음 발송을 "
            f"한 번씩 건너뜁니다. 그 뒤 첫 발송은 {when(over.after, ctx.today())}입니다."
        ]
    done = await ctx.schedules.pauses.skip(command.id, who.admin, standing=who.standing)
    row, today = done.schedule, ctx.today()
    return [
        f"⏭ #{row.id} {row.title}: {when(done.skipped, today)} 발송을 건너뜁니다. "
        f"다음 발송은 {when(done.after, today)}입니다."
    ]


async def schedule_pause(ctx: CommandContext, who: Identity, command: SchedulePause) -> list[str]:
    if command.campaign:
        over = await ctx.schedules.pauses.pause_campaign(
            command.id, command.until, who.admin, standing=who.standing
        )
        return [
            f"⏸ 캠페인 C{over.campaign.id} {over.campaign.title}: {_rooms(over)}에 "
            f"{command.until:%Y-%m-%d}까지 보내지 않습니다. 그 뒤 첫 발송은 "
            f"{when(over.after, ctx.today())}입니다. 일찍 다시 보내려면 "
            f"{ctx.prefix}스케줄 켜기 C{over.campaign.id}"
        ]
    done = await ctx.schedules.pauses.pause(
        command.id, command.until, who.admin, standing=who.standing
    )
    row, today = done.schedule, ctx.today()
    return [
        f"⏸ #{row.id} {row.title}: {done.until:%Y-%m-%d}까지 보내지 않습니다. "
        f"그 뒤 첫 발송은 {when(done.after, today)}입니다. "
        f"일찍 다시 보내려면 {ctx.prefix}스케줄 켜기 {row.id}"
    ]


def _rooms(over: CampaignPaused) -> str:
    """``12개 방`` (or ``12개 방 중 10개``: the others are off or have no send left)."""
    if over.changed == over.total:
        return f"{over.total}개 방"
    return f"{over.total}개 방 중 {over.changed}개"
