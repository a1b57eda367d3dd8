"""What the schedule wizard offers a viewer: the rooms and orgs it may send to (step 1) and the
images of its library and those it has picked (step 2), all limited to what the viewer's
orgs may see (``services.rooms``, ``services.images``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import images as image_access
from services import rooms as room_access
from storage.kbot_models import Image, Org, Room

LIBRARY_SIZE = 60


@dataclass(frozen=True, slots=True)
class Targets:
    rooms: list[tuple[Room, Org]]  # active rooms, by org then name
    orgs: list[Org]  # active orgs, by code


async def targets(session: AsyncSession, org_ids: set[int] | None) -> Targets:
    found = await room_access.visible_with_orgs(session, org_ids)
    rooms = sorted(
        ((room, org) for room, org in found if room.active),
        key=lambda pair: (pair[1].name, pair[0].name),
    )
    query = select(Org).where(Org.active.is_(True)).order_by(Org.code)
    if org_ids is not None:
        query = query.where(Org.id.in_(org_ids))
    return Targets(rooms, list(await session.scalars(query)))


@dataclass(frozen=True, slots=True)
class Pictures:
    picked: list[Image]  # in send order; ids the viewer may not use are left out
    library: list[Image]  # newest first, not already picked


async def pictures(session: AsyncSession, org_ids: set[int] | None, ids: list[int]) -> Pictures:
    usable = await image_access.usable(session, org_ids, ids) if ids else {}
    picked = [usable[i] for i in ids if i in usable]
    library, _ = await image_access.page(session, org_ids, offset=0, limit=LIBRARY_SIZE)
    return Pictures(picked, [image for image in library if image.id not in usable])
