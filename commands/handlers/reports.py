"""``!리포트 ID [시작일 종료일]`` (``!report``): a schedule's or a campaign's report in a few
lines, for an admin who may view it (``services.report_access``)."""

from __future__ import annotations

from commands.context import CommandContext
from commands.grammar.parse import Report
from commands.identity import Identity
from commands.report_text import campaign_summary, schedule_summary
from services.campaign_rows import campaign_label
from services.logs import DateWindow
from services.report_access import campaign_report, schedule_report


async def report(ctx: CommandContext, who: Identity, command: Report) -> list[str]:
    window = DateWindow(command.first, command.last)
    if command.campaign:
        title, found = await campaign_report(
            ctx.read_sessions, command.id, who.admin, window, tz=ctx.tz, standing=who.standing
        )
        label = f"캠페인 {campaign_label(command.id)} {title}"
        return [campaign_summary(label, window, found)]
    title, one = await schedule_report(
        ctx.read_sessions, command.id, who.admin, window, tz=ctx.tz, standing=who.standing
    )
    return [schedule_summary(f"#{command.id} {title}", window, one)]
