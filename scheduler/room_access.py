"""May a schedule send to a room (seed 7.2)? The room is registered and active, and lies in
the subtree of the schedule's creator org. Rooms and the org tree are read once per batch."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.held import SendColumns
from storage.kbot_models import Org, Room


@dataclass(frozen=True, slots=True)
class _Org:
    id: int
    parent_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class Access:
    rooms: dict[str, tuple[bool, int]]  # chat id -> (active, org id)
    orgs: dict[int, _Org]
    codes: dict[str, int]  # org code -> org id

    @classmethod
    async def load(cls, session: AsyncSession, room_ids: Collection[str]) -> Access:
        if not room_ids:
            return cls({}, {}, {})
        found = await session.execute(
            select(Room.chat_id, Room.active, Room.org_id).where(Room.chat_id.in_(room_ids))
        )
        rooms = {chat_id: (bool(active), org_id) for chat_id, active, org_id in found.all()}
        orgs: dict[int, _Org] = {}
        codes: dict[str, int] = {}
        tree = await session.execute(select(Org.id, Org.code, Org.parent_id, Org.active))
        for org_id, code, parent_id, active in tree.all():
            orgs[org_id] = _Org(org_id, parent_id, bool(active))
            codes[code] = org_id
        return cls(rooms, orgs, codes)

    def refusal(self, row: SendColumns, room_id: str) -> str | None:
        """Why ``row`` may not send to ``room_id`` now, or None when it may."""
        room = self.rooms.get(room_id)
        if room is None:
            return f"room not registered: {room_id} is not in kbot_rooms"
        active, org_id = room
        if not active:
            return f"room deactivated: {room_id}"
        creator_id = self.codes.get(row.created_by_id)
        creator = self.orgs.get(creator_id) if creator_id is not None else None
        if creator is None or not creator.active:
            return f"creator org {row.created_by_id} is unknown or inactive"
        if not self._within(org_id, creator.id):
            return f"room {room_id} is outside the creator org {row.created_by_id}"
        return None

    def _within(self, org_id: int | None, ancestor_id: int) -> bool:
        seen: set[int] = set()
        while org_id is not None and org_id not in seen:
            if org_id == ancestor_id:
                return True
            seen.add(org_id)
            org = self.orgs.get(org_id)
            org_id = org.parent_id if org is not None else None
        return False
