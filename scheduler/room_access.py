"""May a schedule send this, to this room (seed 7.2)? Checked right before every send, on
what the database holds now, because ``kb_schedule`` rows are input (the PHP site and anyone
with SQL access write them):

- the room is registered and active, its org is in force, and it lies in the subtree of the
  schedule's creator org;
- the creator org named by ``created_by_id`` exists, is in force and is of ``created_by_type``;
- every image file lies in an allowed folder (``scheduler.image_files``), and an image kbot
  knows (one of its uploads) is owned by an org in the creator org's subtree.

An org is in force when it and every org above it are active: deactivating an org stops its
whole subtree without touching the flags below it, and reactivating it brings back exactly
what was in force before. Rooms, the org tree and the batch's uploads are read once per batch.
Refusals are Korean, for the log row; an image refusal stops the schedule (``image_refusal``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.particles import attach
from scheduler.held import SendColumns
from scheduler.image_files import ImageFiles, Located, UnsafeImage
from scheduler.parts import PartError, images_of
from storage.kbot_models import Image, Org, Room
from storage.orgs import first_inactive


@dataclass(frozen=True, slots=True)
class _Org:
    id: int
    code: str
    type: str
    parent_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class Access:
    rooms: dict[str, tuple[bool, int]]  # chat id -> (active, org id)
    orgs: dict[int, _Org]
    codes: dict[str, int]  # org code -> org id
    located: dict[int, list[Located] | str] = field(default_factory=dict)  # by schedule id
    uploads: dict[str, int | None] = field(default_factory=dict)  # filename -> owner org id

    @classmethod
    async def load(
        cls, session: AsyncSession, files: ImageFiles, batch: Iterable[tuple[str, SendColumns]]
    ) -> Access:
        """What the checks of ``batch`` ((room id, schedule row) pairs) need to know."""
        batch = list(batch)
        if not batch:
            return cls({}, {}, {})
        room_ids = {room_id for room_id, _ in batch}
        found = await session.execute(
            select(Room.chat_id, Room.active, Room.org_id).where(Room.chat_id.in_(room_ids))
        )
        rooms = {chat_id: (bool(active), org_id) for chat_id, active, org_id in found.all()}
        orgs: dict[int, _Org] = {}
        codes: dict[str, int] = {}
        tree = await session.execute(select(Org.id, Org.code, Org.type, Org.parent_id, Org.active))
        for org_id, code, kind, parent_id, active in tree.all():
            orgs[org_id] = _Org(org_id, code, kind, parent_id, bool(active))
            codes[code] = org_id
        located = {row.id: _locate(files, row) for _, row in batch}
        names = {
            place.upload
            for places in located.values()
            if isinstance(places, list)
            for place in places
            if place.upload is not None
        }
        uploads: dict[str, int | None] = {}
        if names:
            owners = await session.execute(
                select(Image.filename, Image.org_id).where(Image.filename.in_(names))
            )
            uploads = dict(owners.all())
        return cls(rooms, orgs, codes, located, uploads)

    def refusal(self, row: SendColumns, room_id: str) -> str | None:
        """Why ``row`` may not send to ``room_id`` now, or None when it may."""
        room = self.rooms.get(room_id)
        if room is None:
            return f"등록되지 않은 방입니다 ({room_id})."
        active, org_id = room
        if not active:
            return f"비활성 상태인 방입니다 ({room_id})."
        off = self._inactive(org_id)
        if off is not None:
            owner = self.orgs.get(org_id)
            if owner is None or owner.id == off.id:
                return f"방 {room_id}의 소속 조직 {attach(off.code, '이')} 비활성 상태입니다."
            return (
                f"방 {room_id}의 소속 조직 {owner.code}의 상위 조직 "
                f"{attach(off.code, '이')} 비활성 상태입니다."
            )
        creator = self._creator(row)
        if creator is None:
            org = attach(f"{row.created_by_id}({row.created_by_type})", "이")
            return (
                f"등록 조직 {org} 없거나, 종류가 맞지 않거나, "
                "그 조직 또는 상위 조직이 비활성 상태입니다."
            )
        if not self._within(org_id, creator.id):
            return (
                f"방 {attach(room_id, '은')} 등록 조직 {attach(row.created_by_id, '과')} "
                "그 아래 조직의 방이 아닙니다."
            )
        return None

    def image_refusal(self, row: SendColumns) -> str | None:
        """Why ``row``'s images must not be sent (the schedule is then stopped), or None."""
        places = self.located.get(row.id, [])
        if isinstance(places, str):
            return places
        creator = self._creator(row)
        for place in places:
            if place.upload is None:
                continue  # a file of the PHP site's own image folder
            if place.upload not in self.uploads:
                return f"이미지 {place.upload}: kbot에 등록되지 않은 업로드 파일입니다."
            owner = self.uploads[place.upload]
            if owner is not None and (creator is None or not self._within(owner, creator.id)):
                return (
                    f"이미지 {place.upload}: 등록 조직 {attach(row.created_by_id, '과')} "
                    "그 아래 조직의 이미지가 아니라 보내지 않았습니다."
                )
        return None

    def _creator(self, row: SendColumns) -> _Org | None:
        """The org in force the row names as its creator, when id and type agree."""
        creator_id = self.codes.get(row.created_by_id)
        creator = self.orgs.get(creator_id) if creator_id is not None else None
        if creator is None or creator.type != row.created_by_type:
            return None
        return creator if self._inactive(creator.id) is None else None

    def _inactive(self, org_id: int | None) -> _Org | None:
        """The nearest org at or above ``org_id`` that stops it (inactive, missing, or closing
        a parent cycle written by hand: ``storage.orgs.first_inactive``), or None when the
        org is in force."""
        off = first_inactive(self._node, org_id)
        if off is None:
            return None
        return self.orgs.get(off) or _Org(off, f"#{off}", "", None, False)

    def _node(self, org_id: int) -> tuple[int | None, bool] | None:
        org = self.orgs.get(org_id)
        return None if org is None else (org.parent_id, org.active)

    def _within(self, org_id: int | None, ancestor_id: int) -> bool:
        seen: set[int] = set()
        while org_id is not None and org_id not in seen:
            if org_id == ancestor_id:
                return True
            seen.add(org_id)
            org = self.orgs.get(org_id)
            org_id = org.parent_id if org is not None else None
        return False


def _locate(files: ImageFiles, row: SendColumns) -> list[Located] | str:
    """Where the row's image files are, or why one of them may not be read."""
    try:
        entries = images_of(row)
    except PartError as exc:
        return str(exc)
    places = []
    for entry in entries:
        try:
            places.append(files.locate(entry))
        except UnsafeImage as exc:
            return str(exc)
    return places
