"""Who sees which room and which image (services.rooms, services.images), table-driven over
the org tree HQ > DIST > {BR1, BR2}, on both backends. The tables are written out by hand from
seed 4.3, so they do not restate the implementation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import images, rooms
from services.permissions import standing_of, visible
from storage import admins, orgs
from storage import rooms as room_rows
from storage.kbot_models import Admin
from tests.support.image_samples import image_row

AT = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
TREE: dict[str, tuple[str, str | None]] = {
    "HQ": ("headquarters", None),
    "DIST": ("distributor", "HQ"),
    "BR1": ("branch", "DIST"),
    "BR2": ("branch", "DIST"),
}
ROOM_OF = {code: f"10000000000000{n}" for n, code in enumerate(TREE)}
# The actors: one admin per org, and an inactive admin of BR1 (who may see nothing).
ACTORS = [*TREE, "BR1-off"]
OWNERLESS = None  # an image no org owns (written by SQL, never by an upload)

ROOMS_SEEN: dict[str, set[str]] = {
    "HQ": {"HQ", "DIST", "BR1", "BR2"},
    "DIST": {"DIST", "BR1", "BR2"},
    "BR1": {"BR1"},
    "BR2": {"BR2"},
    "BR1-off": set(),
}
IMAGES_SEEN: dict[str, set[str | None]] = {
    "HQ": {"HQ", "DIST", "BR1", "BR2", OWNERLESS},  # headquarters: the ownerless one too
    "DIST": {"DIST", "BR1", "BR2"},
    "BR1": {"BR1"},
    "BR2": {"BR2"},
    "BR1-off": set(),
}
# What an acting admin may put in a schedule: what it sees, and the ownerless image.
IMAGES_USABLE: dict[str, set[str | None]] = {
    "HQ": {"HQ", "DIST", "BR1", "BR2", OWNERLESS},
    "DIST": {"DIST", "BR1", "BR2", OWNERLESS},
    "BR1": {"BR1", OWNERLESS},
    "BR2": {"BR2", OWNERLESS},
}


@dataclass(frozen=True)
class World:
    org_ids: dict[str, set[int] | None]  # actor -> the org ids it sees (None: all)
    image_ids: dict[str | None, int]  # owner code -> image id
    chat_ids: dict[int, str]  # room id -> owner code


async def build(sessions: async_sessionmaker[AsyncSession]) -> World:
    ids: dict[str, int] = {}
    image_ids: dict[str | None, int] = {}
    async with sessions.begin() as s:
        for code, (kind, parent) in TREE.items():
            spec = orgs.OrgSpec(type=kind, code=code, name=f"{code} 조직", parent_code=parent)
            ids[code] = (await orgs.add_org(s, spec, at=AT, actor="test")).id
            await room_rows.add_room(
                s, chat_id=ROOM_OF[code], name=f"{code} 공지방", org_code=code, at=AT, actor="t"
            )
        for n, actor in enumerate(ACTORS):
            code = actor.removesuffix("-off")
            await admins.add_admin(
                s, kakao_user_id=f"9{n:08d}", org_code=code, name=actor, at=AT, actor="test"
            )
        await s.execute(update(Admin).where(Admin.name == "BR1-off").values(active=False))
        for n, owner in enumerate([*TREE, OWNERLESS]):
            image = image_row(n, None if owner is None else ids[owner])
            s.add(image)
            await s.flush()
            image_ids[owner] = image.id
    async with sessions() as s:
        org_ids = {
            actor: visible(await standing_of(s, await admins.get_by_kakao_id(s, f"9{n:08d}")))
            for n, actor in enumerate(ACTORS)
        }
    return World(org_ids, image_ids, {ids[code]: code for code in TREE})


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> World:
    return await build(sessions)


async def test_who_sees_which_room(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with sessions() as s:
        for actor, expected in ROOMS_SEEN.items():
            org_ids = world.org_ids[actor]
            seen = await rooms.visible(s, org_ids)
            assert {world.chat_ids[r.org_id] for r in seen} == expected, actor
            assert [r.id for r in seen] == sorted(r.id for r in seen)
            with_orgs = await rooms.visible_with_orgs(s, org_ids)
            assert [(r.id, o.id) for r, o in with_orgs] == [(r.id, r.org_id) for r in seen]
            for owner, chat_id in ROOM_OF.items():
                room = await room_rows.get_room(s, chat_id)
                assert rooms.sees(org_ids, room) == (owner in expected), (actor, owner)
                found = await rooms.named(s, chat_id, org_ids)
                assert (found.room is not None) == (owner in expected), (actor, owner)
                assert not found.ambiguous


async def test_visible_rooms_by_name(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with sessions() as s:
        names = [r.name for r in await rooms.visible(s, world.org_ids["DIST"], by_name=True)]
    assert names == ["BR1 공지방", "BR2 공지방", "DIST 공지방"]


async def test_a_name_finds_only_visible_rooms(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with sessions.begin() as s:  # BR1 and BR2 both call a room "공지방"
        for code in ("BR1", "BR2"):
            (await room_rows.get_room(s, ROOM_OF[code])).name = "공지방"
    async with sessions() as s:
        for actor, owner in [("BR1", "BR1"), ("BR2", "BR2"), ("HQ", None), ("DIST", None)]:
            found = await rooms.named(s, " 공지방 ", world.org_ids[actor])
            assert found.ambiguous == (owner is None), actor
            got = None if found.room is None else found.room.chat_id
            assert got == (ROOM_OF[owner] if owner else None), actor
        assert await rooms.named(s, "DIST 공지방", world.org_ids["BR1"]) == rooms.Named(None)
        assert await rooms.named(s, "없는 방", None) == rooms.Named(None)


async def test_who_sees_which_image(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with sessions() as s:
        for actor, expected in IMAGES_SEEN.items():
            org_ids = world.org_ids[actor]
            listed, total = await images.page(s, org_ids, offset=0, limit=10)
            wanted = sorted((world.image_ids[o] for o in expected), reverse=True)
            assert [i.id for i in listed] == wanted and total == len(expected), actor
            for owner, image_id in world.image_ids.items():
                image = await images.visible(s, org_ids, image_id)
                assert (image is not None) == (owner in expected), (actor, owner)
            assert await images.visible(s, org_ids, 999) is None


async def test_who_may_put_which_image_in_a_schedule(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    every = list(world.image_ids.values())
    async with sessions() as s:
        for actor, expected in IMAGES_USABLE.items():
            usable = await images.usable(s, world.org_ids[actor], [*every, 999])
            assert set(usable) == {world.image_ids[o] for o in expected}, actor
            assert all(usable[i].id == i for i in usable)


async def test_paging_images(sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with sessions() as s:
        first, total = await images.page(s, None, offset=0, limit=2)
        rest, again = await images.page(s, None, offset=2, limit=10)
    assert total == again == len(world.image_ids)
    ids = [i.id for i in first + rest]
    assert ids == sorted(world.image_ids.values(), reverse=True)
