"""Which rooms an admin may see and use: the one answer for every door (the chat's
``!내정보``, the schedule form's 방 and 테스트방, ``GET /api/rooms``, the ``/logs`` room
filter).

A room belongs to its org (``kbot_rooms.org_id``); an admin sees the rooms of the orgs
``services.permissions.visible`` gives (``org_ids``; None: headquarters, every room). A room
the admin may not see is answered as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.permissions import reaches
from storage.kbot_models import Org, Room


def sees(org_ids: set[int] | None, room: Room) -> bool:
    """Whether an admin who sees ``org_ids`` (None: all) may see ``room``."""
    return reaches(org_ids, room.org_id)


def _visible(query: Select, org_ids: set[int] | None) -> Select:
    return query if org_ids is None else query.where(Room.org_id.in_(org_ids))


async def visible(
    session: AsyncSession, org_ids: set[int] | None, *, by_name: bool = False
) -> list[Room]:
    """The rooms of ``org_ids`` (None: all), inactive ones too, by id (by name with
    ``by_name``, as the ``/logs`` filter lists them)."""
    query = _visible(select(Room), org_ids).order_by(Room.name if by_name else Room.id)
    return list(await session.scalars(query))


async def visible_with_orgs(
    session: AsyncSession, org_ids: set[int] | None
) -> list[tuple[Room, Org]]:
    """``visible`` by id, each room with its org (``GET /api/rooms``)."""
    query = _visible(select(Room, Org).join(Org, Org.id == Room.org_id), org_ids)
    return [(room, org) for room, org in await session.execute(query.order_by(Room.id))]


@dataclass(frozen=True, slots=True)
class Named:
    """What a room name or chat id given by an admin finds: the room when it is one the
    admin may see, and whether a name fitted several of them (then ``room`` is None)."""

    room: Room | None
    ambiguous: bool = False


async def named(session: AsyncSession, raw: str, org_ids: set[int] | None) -> Named:
    """The room ``raw`` names among those ``org_ids`` may see: its chat id, else its name
    when exactly one visible room has it. A chat id of a room the admin may not see finds
    nothing (its name is not tried)."""
    raw = raw.strip()
    room = await session.scalar(select(Room).where(Room.chat_id == raw))
    if room is not None:
        return Named(room if sees(org_ids, room) else None)
    mine = list(await session.scalars(_visible(select(Room).where(Room.name == raw), org_ids)))
    if len(mine) > 1:
        return Named(None, ambiguous=True)
    return Named(mine[0] if mine else None)
