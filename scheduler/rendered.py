"""A send's text with the template variables filled in (``core.message_template``) for the
schedule's target room and the occurrence's time, before any check or part sees it.

The names come from what the database holds at send time: ``{방이름}`` is the target room's
``kbot_rooms.name`` and ``{지점명}`` the name of the org that owns it. A test send renders
for the schedule's target room too (it shows what that room would get). When the target room
is not registered, ``{지점명}`` and ``{방이름}`` are kept as written (the send is refused for
that room anyway, unless it is a test). Rows without a brace, the common case, are passed on
as they are; the names of a batch's rooms are read in one query.

Each well-formed ``{링크:URL}`` becomes the short link of (schedule, room the occurrence goes
to, URL) (``storage.links.link_for``: the same code for every send to that room), so the text
a part sends, and the ``text_key`` its echo is matched on, carry the short link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.link_url import short_link
from core.message_template import Scene, links_in, render, uses_variables
from scheduler.held import Held, SendColumns
from storage.kbot_models import Org, Room
from storage.links import link_for


@dataclass(frozen=True, slots=True)
class RenderedRow:
    """A ``SendColumns`` whose ``message_text`` is the rendered text of one occurrence."""

    id: int
    title: str
    status: str | None
    created_by_type: str
    created_by_id: str
    message_text: str | None
    message_images: dict[str, Any] | None
    send_order: str | None
    send_interval_seconds: int | None
    target_room_id: str


def _copy(row: SendColumns, text: str) -> RenderedRow:
    return RenderedRow(
        row.id,
        row.title,
        row.status,
        row.created_by_type,
        row.created_by_id,
        text,
        row.message_images,
        row.send_order,
        row.send_interval_seconds,
        row.target_room_id,
    )


def needs_rendering(row: SendColumns) -> bool:
    return bool(row.message_text) and uses_variables(row.message_text or "")


async def room_names(session: AsyncSession, room_ids: set[str]) -> dict[str, tuple[str, str]]:
    """(org name, room name) of each registered room of ``room_ids``, by chat id."""
    if not room_ids:
        return {}
    found = await session.execute(
        select(Room.chat_id, Org.name, Room.name)
        .join(Org, Org.id == Room.org_id)
        .where(Room.chat_id.in_(room_ids))
    )
    return {chat_id: (org_name, room_name) for chat_id, org_name, room_name in found.all()}


def render_row(
    row: SendColumns,
    occ: Held,
    names: tuple[str, str] | None,
    links: dict[str, str] | None = None,
) -> SendColumns:
    """``row`` as ``occ`` sends it; ``names`` are the target room's (org, room) names,
    ``links`` the room's short link of each URL."""
    if not needs_rendering(row):
        return row
    org_name, room_name = names if names is not None else (None, None)
    scene = Scene(org_name, room_name, occ.scheduled_at)
    return _copy(row, render(row.message_text or "", scene, links))


async def short_links(
    session: AsyncSession, occ: Held, row: SendColumns, *, public_url: str, now: datetime
) -> dict[str, str]:
    """The short link of each well-formed link in ``row``'s text for the room ``occ`` goes to
    (created when missing)."""
    urls = links_in(row.message_text or "") if needs_rendering(row) else []
    made: dict[str, str] = {}
    for url in urls:
        link = await link_for(
            session, schedule_id=row.id, room_id=occ.target_room_id, url=url, now=now
        )
        made[url] = short_link(public_url, link.code)
    return made


async def render_batch(
    session: AsyncSession,
    batch: Sequence[tuple[Held, SendColumns]],
    *,
    public_url: str,
    now: datetime,
) -> list[tuple[Held, SendColumns]]:
    """``batch`` with each row that uses a variable or a link rendered for its occurrence
    (``now``, aware: when a new short link is created)."""
    wanted = {row.target_room_id for _, row in batch if needs_rendering(row)}
    if not wanted:
        return list(batch)
    names = await room_names(session, wanted)
    rendered = []
    for occ, row in batch:
        links = await short_links(session, occ, row, public_url=public_url, now=now)
        rendered.append((occ, render_row(row, occ, names.get(row.target_room_id), links)))
    return rendered
