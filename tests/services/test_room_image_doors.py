"""The three doors give one answer to "which rooms and images may this admin see": the chat's
``!내정보`` (1:1), ``GET /api/rooms`` and the ``/logs`` room filter list the same rooms, and
``GET /api/images`` and the ``/images`` page the same images, for every org of the command
world's tree, on both backends."""

from __future__ import annotations

import re

from aiohttp import FormData

from commands.router import handle_event
from storage import tokens
from tests.support.api import picture
from tests.support.command_world import ROOMS, START, TREE, USERS, context, direct_chat, event
from tests.support.pages import Site

ROOM_LINE = re.compile(r"^• .* \((\d+)\)$", re.MULTILINE)
ROOM_OPTION = re.compile(r'<option value="(\d+)"')
IMAGE_ITEM = re.compile(r'<li class="image[^"]*" data-id="(\d+)"')


def below(actor: str) -> set[str]:
    """``actor`` and every org under it, from the test tree alone."""
    found = {actor}
    grew = True
    while grew:
        more = {code for code, (_, parent) in TREE.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


async def bearer(site: Site, org: str) -> dict[str, str]:
    async with site.sessions.begin() as s:
        _, plain = await tokens.create_token(
            s, kakao_user_id=USERS[org], name="t", at=START, actor="test"
        )
    return {"Authorization": f"Bearer {plain}"}


async def test_every_door_lists_the_same_rooms(site: Site) -> None:
    ctx, _, _ = context(site.cfg, site.sessions)
    for actor in TREE:
        expected = {ROOMS[code] for code in below(actor)}
        [me] = await handle_event(ctx, event("!내정보", **direct_chat(USERS[actor]))) or []
        assert set(ROOM_LINE.findall(me)) == expected, actor
        resp = await site.client.get("/api/rooms", headers=await bearer(site, actor))
        assert resp.status == 200
        assert {r["chat_id"] for r in (await resp.json())["rooms"]} == expected, actor
        await site.login(actor)
        status, html = await site.get("/logs")
        assert status == 200
        assert set(ROOM_OPTION.findall(html)) == expected, actor


async def test_the_api_and_the_page_list_the_same_images(site: Site) -> None:
    owner_of: dict[int, str] = {}
    for n, org in enumerate(TREE, start=1):
        form = FormData()
        form.add_field("file", picture(n), filename=f"p{n}.png", content_type="image/png")
        resp = await site.client.post("/api/images", data=form, headers=await bearer(site, org))
        assert resp.status == 201, await resp.text()
        owner_of[(await resp.json())["id"]] = org
    for actor in TREE:
        expected = {i for i, owner in owner_of.items() if owner in below(actor)}
        resp = await site.client.get("/api/images", headers=await bearer(site, actor))
        assert {i["id"] for i in (await resp.json())["images"]} == expected, actor
        await site.login(actor)
        status, html = await site.get("/images")
        assert status == 200
        assert {int(i) for i in IMAGE_ITEM.findall(html)} == expected, actor
        for image_id, owner in owner_of.items():
            api = await site.client.get(
                f"/api/images/{image_id}", headers=await bearer(site, actor)
            )
            page, _ = await site.get(f"/images/{image_id}/delete")
            seen = owner in below(actor)
            assert (api.status, page) == ((200, 200) if seen else (404, 404)), (actor, owner)
