"""Which Iris devices' KakaoTalk accounts are known to be in which rooms (``kbot_room_devices``,
standby failover): ``seen`` when an event of the room came through the device's own webhook
URL, ``operator`` when the operator said so (``kbot room add --standby``, ``kbot room
standby``). Traffic is the stronger proof: a seen pair stays seen, an operator pair becomes
seen once traffic shows it. Times are naive UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage.kbot_models import RoomDevice
from storage.upsert import upsert

SEEN = "seen"
OPERATOR = "operator"


async def note_seen(session: AsyncSession, room_id: str, device: str, *, at: datetime) -> None:
    """Record that an event of ``room_id`` came through ``device`` at ``at`` (one statement:
    several processes may record the same pair at once)."""
    values = {"room_id": room_id, "device": device, "source": SEEN, "seen_at": to_utc_naive(at)}
    changes = {"source": SEEN, "seen_at": values["seen_at"]}
    await upsert(session, RoomDevice, values, keys=("room_id", "device"), changes=changes)


async def add_operator(session: AsyncSession, room_id: str, device: str, *, at: datetime) -> bool:
    """Record the operator's word that ``device`` is in ``room_id``; False when the pair was
    known already (seen or told), which is then left as it was."""
    if await session.get(RoomDevice, (room_id, device)) is not None:
        return False
    told = RoomDevice(room_id=room_id, device=device, source=OPERATOR, seen_at=to_utc_naive(at))
    session.add(told)
    await session.flush()
    return True


async def forget(session: AsyncSession, room_id: str, device: str) -> bool:
    """Drop the pair (the device's account left the room); False when it was not known."""
    result = await session.execute(
        delete(RoomDevice).where(RoomDevice.room_id == room_id, RoomDevice.device == device)
    )
    return bool(getattr(result, "rowcount", 0))


async def all_pairs(session: AsyncSession) -> list[RoomDevice]:
    """Every known pair, by room then device."""
    query = select(RoomDevice).order_by(RoomDevice.room_id, RoomDevice.device)
    return list(await session.scalars(query))
