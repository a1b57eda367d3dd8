"""``Targets`` -> the rooms a schedule or a campaign sends to, each permission-checked (seed
4.3): all of them or none. Every problem names the rooms it is about (Korean, on the ``room``
field); a room the actor may not see is reported like one that does not exist.

Rooms are read in a few set queries however many are named, so a campaign over hundreds of
rooms resolves in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Invalid, quote
from services.permissions import (
    Operation,
    PermissionDenied,
    Standing,
    allows,
    check,
    require_acting,
)
from services.schedule_targets import Targets
from storage import orgs
from storage.kbot_models import Org, Room

SHOWN = 5  # rooms an error names before "외 N개"


@dataclass(frozen=True, slots=True)
class Place:
    """A target room with the name of the org that owns it (``{지점명}``)."""

    room: Room
    org_name: str


async def resolve(
    session: AsyncSession,
    standing: Standing,
    targets: Targets,
    operation: Operation = Operation.CREATE,
) -> list[Place]:
    """The rooms ``targets`` name, in a stable order (by room name, then chat id), each one
    active and one the actor may use for ``operation``; ``Invalid`` naming the rooms that are
    not, and nothing is resolved then (``PermissionDenied`` for an actor who may not act at
    all, rather than every room reported unknown)."""
    require_acting(standing, operation)
    found: dict[int, Room] = {}
    if targets.rooms:
        for room in await _listed(session, standing, targets.rooms):
            found[room.id] = room
    if targets.org is not None:
        for room in await _org_rooms(session, standing, targets.org):
            found.setdefault(room.id, room)
    rooms = list(found.values())
    inactive = [room.name for room in rooms if not room.active]
    if inactive:
        raise Invalid("room", f"비활성 상태라 보낼 수 없는 방이 있습니다: {_names(inactive)}")
    refused = []
    for room in rooms:
        try:
            check(standing, operation, room_org_id=room.org_id)
        except PermissionDenied:
            refused.append(room.name)
    if refused:
        raise PermissionDenied(operation, f"다룰 권한이 없는 방이 있습니다: {_names(refused)}")
    names = await _org_names(session, {room.org_id for room in rooms})
    rooms.sort(key=lambda room: (room.name, room.chat_id))
    return [Place(room, names.get(room.org_id, "")) for room in rooms]


async def _listed(session: AsyncSession, standing: Standing, refs: Sequence[str]) -> list[Room]:
    """The rooms named by chat id or unique visible name; ``Invalid`` naming those that are
    unknown, ambiguous or named twice."""
    query = select(Room).where(or_(Room.chat_id.in_(refs), Room.name.in_(refs)))
    candidates = [room for room in await session.scalars(query) if allows(standing, room.org_id)]
    by_chat = {room.chat_id: room for room in candidates}
    by_name: dict[str, list[Room]] = {}
    for candidate in candidates:
        by_name.setdefault(candidate.name, []).append(candidate)
    chosen: list[Room] = []
    unknown: list[str] = []
    ambiguous: list[str] = []
    for ref in refs:
        room = by_chat.get(ref)
        if room is None:
            named = by_name.get(ref, [])
            if len(named) > 1:
                ambiguous.append(ref)
                continue
            room = named[0] if named else None
        if room is None:
            unknown.append(ref)
        else:
            chosen.append(room)
    if unknown:
        raise Invalid(
            "room",
            f"등록된 방이 아니거나 다룰 권한이 없는 방입니다: {_names(unknown)}. "
            "등록된 방의 chat_id나 이름을 적어 주세요.",
        )
    if ambiguous:
        raise Invalid(
            "room", f"같은 이름의 방이 여러 개라 chat_id로 적어 주세요: {_names(ambiguous)}"
        )
    seen: set[int] = set()
    twice = []
    for room in chosen:
        if room.id in seen:
            twice.append(room.name)
        seen.add(room.id)
    if twice:
        raise Invalid("room", f"같은 방이 두 번 적혀 있습니다: {_names(twice)}")
    return chosen


async def _org_rooms(session: AsyncSession, standing: Standing, code: str) -> list[Room]:
    """Every active live room of org ``code`` and the orgs below it."""
    org = await session.scalar(select(Org).where(Org.code == code))
    if org is None or not allows(standing, org.id):
        raise Invalid(
            "room",
            f"{quote(code)} 조직이 없거나 다룰 권한이 없는 조직입니다. "
            "'조직코드 전체'의 조직코드를 확인해 주세요.",
        )
    if not await orgs.chain_active(session, org.id):
        raise Invalid("room", f"{quote(code)} 조직이나 그 상위 조직이 비활성 상태입니다.")
    subtree = await orgs.subtree_ids(session, org.id)
    query = select(Room).where(
        Room.org_id.in_(subtree), Room.active.is_(True), Room.room_type == "live"
    )
    rooms = list(await session.scalars(query))
    if not rooms:
        raise Invalid("room", f"{quote(code)} 조직과 그 아래 조직에 운영 중인 방이 없습니다.")
    return rooms


async def _org_names(session: AsyncSession, org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    found = await session.execute(select(Org.id, Org.name).where(Org.id.in_(org_ids)))
    return {int(org_id): str(name) for org_id, name in found.all()}


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(quote(name) for name in names[:SHOWN])
    return shown + (f" 외 {len(names) - SHOWN}개" if len(names) > SHOWN else "")
