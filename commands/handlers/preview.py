"""``!스케줄 미리보기 ID [방]``: a schedule's text as one room will receive it, the variables
filled in for that room (the target room unless one is named) at the next send time (now
when none is left), with the images it sends listed by count and order. For a campaign
(``C12 [방]``) the room picks the campaign's row (its first row when none is named)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from commands import format as fmt
from commands.context import CommandContext
from commands.grammar.parse import SchedulePreview
from commands.identity import Identity
from core.message_template import Scene, render
from core.particles import attach
from services.message_text import placeholder_links
from services.permissions import Operation
from services.schedule_labels import when
from services.schedule_targets import Targets
from services.target_rooms import resolve
from storage.kbot_models import Org
from storage.models import Schedule

NO_TEXT = "(텍스트 없음)"


def preview_text(
    row: Schedule,
    room: str | None,
    org_name: str | None,
    moment: datetime,
    *,
    today: date | None = None,
    public_url: str = "",
) -> str:
    """The preview of ``row`` for room ``room`` (its name; None: not registered, and
    ``{방이름}``/``{지점명}`` stay as written) owned by ``org_name``, sent at ``moment``
    (local); ``today`` decides whether the year is shown. A link shows as
    ``public_url/r/…``: the room's code is made when it is sent."""
    shown_room = f"'{room}' 방" if room is not None else f"등록되지 않은 방({row.target_room_id})"
    header = (
        f"👀 #{row.id} {row.title} 미리보기 — {attach(shown_room, '이')} "
        f"{when(moment, today or moment.date())}에 받는 내용"
    )
    source = row.message_text or ""
    links = placeholder_links(source, public_url)
    text = render(source, Scene(org_name, room, moment), links)
    order = fmt.sending_order(row)
    body = text if text.strip() and row.send_order != "images_only" else NO_TEXT
    return f"{header}\n발송 순서: {order}\n──────────\n{body}"


async def schedule_preview(
    ctx: CommandContext, who: Identity, command: SchedulePreview
) -> list[str]:
    if command.campaign:  # the campaign's row of the room named (else its first row)
        row, target = await ctx.schedules.campaigns.row_for_room(
            command.id, who.admin, command.room, standing=who.standing
        )
        named = None
    else:
        found = await ctx.schedules.get(
            command.id, who.admin, Operation.VIEW, standing=who.standing
        )
        row, target, named = found.schedule, found.room, command.room
    room: str | None = None
    org_name: str | None = None
    async with ctx.read_sessions() as s:
        if named is not None:
            [place] = await resolve(s, who.standing, Targets.one(named), Operation.VIEW)
            room, org_name = place.room.name, place.org_name
        elif target is not None:
            room = target.name
            org_name = await s.scalar(select(Org.name).where(Org.id == target.org_id))
    extra = (await ctx.schedules.rules_for([row.id])).get(row.id)
    upcoming = ctx.schedules.upcoming(row, 1, extra)
    moment = upcoming[0] if upcoming else ctx.clock.now().astimezone(ctx.tz)
    return fmt.split_messages(
        "",
        [
            preview_text(
                row, room, org_name, moment, today=ctx.today(), public_url=ctx.cfg.server.public_url
            )
        ],
    )
