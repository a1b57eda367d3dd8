"""Handlers of ``!스케줄 건너뛰기`` and ``!스케줄 일시정지``: the reply names the time skipped
and the one after it, or the first send after the pause."""

from __future__ import annotations

from commands.context import CommandContext
from commands.grammar.errors import CommandError
from commands.grammar.parse import SchedulePause, ScheduleSkip
from commands.identity import Identity
from services.schedule_labels import when


async def schedule_skip(ctx: CommandContext, who: Identity, command: ScheduleSkip) -> list[str]:
    if command.campaign:
        raise _one_schedule(ctx, "건너뛰기", command.id)
    done = await ctx.schedules.pauses.skip(command.id, who.admin, standing=who.standing)
    row, today = done.schedule, ctx.today()
    return [
        f"⏭ #{row.id} {row.title}: {when(done.skipped, today)} 발송을 건너뜁니다. "
        f"다음 발송은 {when(done.after, today)}입니다."
    ]


async def schedule_pause(ctx: CommandContext, who: Identity, command: SchedulePause) -> list[str]:
    if command.campaign:
        raise _one_schedule(ctx, "일시정지", command.id)
    done = await ctx.schedules.pauses.pause(
        command.id, command.until, who.admin, standing=who.standing
    )
    row, today = done.schedule, ctx.today()
    return [
        f"⏸ #{row.id} {row.title}: {done.until:%Y-%m-%d}까지 보내지 않습니다. "
        f"그 뒤 첫 발송은 {when(done.after, today)}입니다. "
        f"일찍 다시 보내려면 {ctx.prefix}스케줄 켜기 {row.id}"
    ]


def _one_schedule(ctx: CommandContext, verb: str, campaign_id: int) -> CommandError:
    return CommandError(
        "ID",
        f"{verb}는 스케줄 하나씩 합니다. 캠페인 C{campaign_id}의 스케줄 번호는 "
        f"{ctx.prefix}스케줄 보기 C{campaign_id} 에서 볼 수 있습니다.",
        f"{ctx.prefix}스케줄 {verb} 12",
    )
