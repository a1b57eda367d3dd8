"""KakaoTalk rooms the bot may send to, each owned by one org."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plain_text import clean
from core.timeutil import to_utc_naive
from storage import audit, orgs
from storage.errors import Conflict, Invalid, NotFound
from storage.kbot_models import Room
from storage.types import ROOM_TYPES


async def add_room(
    session: AsyncSession,
    *,
    chat_id: str,
    name: str,
    org_code: str,
    room_type: str = "live",
    device: str | None = None,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> Room:
    chat_id = chat_id.strip()
    name = clean(name)
    if not chat_id or len(chat_id) > 100:
        raise Invalid("room id must be 1-100 characters (the KakaoTalk chat_id)")
    if room_type not in ROOM_TYPES:
        raise Invalid(f"room type '{room_type}' is not one of {', '.join(ROOM_TYPES)}")
    if not name.strip() or len(name) > 200:
        raise Invalid("room name must be 1-200 characters")
    org = await orgs.get_by_code(session, org_code)
    existing = await session.scalar(select(Room).where(Room.chat_id == chat_id))
    if existing is not None:
        raise Conflict(f"room {chat_id} is already registered (room #{existing.id})")
    room = Room(
        chat_id=chat_id,
        name=name.strip(),
        org_id=org.id,
        room_type=room_type,
        device=device,
        created_at=to_utc_naive(at),
    )
    session.add(room)
    await session.flush()
    audit.record(
        session,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
        action="create",
        entity="room",
        entity_id=chat_id,
        after=audit.snapshot(room),
    )
    return room


async def get_room(session: AsyncSession, chat_id: str) -> Room:
    room = await session.scalar(select(Room).where(Room.chat_id == chat_id))
    if room is None:
        raise NotFound(f"room {chat_id} is not registered")
    return room


async def list_rooms(session: AsyncSession) -> list[Room]:
    """Every room, by id (what an admin may see: ``services.rooms``)."""
    return list(await session.scalars(select(Room).order_by(Room.id)))


async def set_active(
    session: AsyncSession,
    room: Room,
    active: bool,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> bool:
    """Activate or deactivate a room (nothing is sent to an inactive one); audited. Returns
    whether anything changed."""
    return await audit.set_columns(
        session,
        room,
        {"active": active},
        action="activate" if active else "deactivate",
        entity="room",
        entity_id=room.chat_id,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
    )


async def move(
    session: AsyncSession,
    room: Room,
    org_id: int,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> bool:
    """Give the room to another org; audited. Returns whether anything changed. Schedules
    into it are re-checked before each send, so the move is effective at the next one."""
    return await audit.set_columns(
        session,
        room,
        {"org_id": org_id},
        action="move",
        entity="room",
        entity_id=room.chat_id,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
    )
