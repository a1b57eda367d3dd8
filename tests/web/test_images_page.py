"""The images page through the real app on both backends: several files in one upload (each
checked on its own and one at a time, a bad one named without losing the others), human
sizes, which schedules still use an image, and deleting the unused ones; the REST API's
DELETE follows the same rule."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage import images, tokens
from storage.kbot_models import Image
from storage.models import Schedule
from tests.support.command_world import ROOMS, START, USERS, build_world
from tests.support.pages import Site, add_schedule, csrf_of, make_site, png
from web import keys

SIZE_RE = re.compile(r'<span class="size">([^<]*)</span>')


def with_web(cfg: Config, **web: Any) -> Config:
    return cfg.model_copy(update={"web": cfg.web.model_copy(update=web)})


async def site_for(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any, **web: Any
) -> Site:
    await build_world(sessions)
    site = await make_site(with_web(cfg, **web), sessions, aiohttp_client)
    await site.login("BR1")
    return site


async def upload(site: Site, files: list[tuple[str, bytes]]) -> tuple[int, str, str | None]:
    _, html = await site.get("/images")
    form = FormData()
    form.add_field("csrf_token", csrf_of(html))
    for name, data in files:
        form.add_field("file", data, filename=name, content_type="image/png")
    return await site.post("/images", form)


async def stored(site: Site) -> list[Image]:
    async with site.sessions() as s:
        return list(await s.scalars(select(Image).order_by(Image.id)))


async def use_in_schedule(site: Site, image: Image, status: str) -> int:
    schedule_id = await add_schedule(site.sessions, f"{status} 행사", ROOMS["BR1"], status=status)
    async with site.sessions.begin() as s:
        row = await s.get(Schedule, schedule_id)
        assert row is not None
        row.message_images = images.image_json([image])
    return schedule_id


async def test_several_files_at_once_keep_the_good_ones(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client, max_image_bytes=4096)
    status, html, _ = await upload(
        site,
        [
            ("봄 행사.png", png(1)),
            ("가짜.png", b"<html>not an image</html>"),
            ("큰 사진.png", b"\x89PNG" + bytes(5000)),
            ("가을 행사.png", png(2)),
        ],
    )
    assert status == 200
    kept = await stored(site)
    assert [i.original_name for i in kept] == ["봄 행사.png", "가을 행사.png"]
    refused = html.split('id="refused"', 1)[1].split("</div>", 1)[0]
    assert "가짜.png</strong>: 지원하지 않는 파일 형식" in refused
    assert "큰 사진.png</strong>: 파일이 너무 큽니다. 최대 4 KB까지" in refused
    assert "봄 행사" not in refused and "(나머지는 올렸습니다)" in refused
    assert f"이미지: {kept[0].id}, {kept[1].id}" in html

    status, html, _ = await upload(site, [("가짜.png", b"GIF89a broken")])
    assert status == 422 and "가짜.png</strong>" in html
    assert len(await stored(site)) == 2


async def test_all_good_files_redirect_listing_each_id(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client)
    status, _, location = await upload(site, [("a.png", png(1)), ("b.png", png(2))])
    first, second = await stored(site)
    assert (status, location) == (303, f"/images?uploaded={first.id},{second.id}")

    status, _, location = await upload(site, [("again.png", png(2)), ("c.png", png(3))])
    third = (await stored(site))[-1]
    assert location == f"/images?uploaded={second.id},{third.id}&existed={second.id}"
    _, html = await site.get(location)
    assert f"이미지: {second.id}, {third.id}" in html
    assert html.count("(같은 이미지가 이미 있음)") == 1


async def test_more_files_than_one_upload_takes_are_named(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client, max_images_per_schedule=2)
    status, html, _ = await upload(site, [("1.png", png(1)), ("2.png", png(2)), ("3.png", png(3))])
    assert status == 200
    assert [i.original_name for i in await stored(site)] == ["1.png", "2.png"]
    assert "3.png</strong>: 한 번에 2개까지 올릴 수 있어" in html
    assert 'data-max-files="2"' in html and "한 번에 2개까지" in html


async def test_the_files_of_one_upload_are_checked_one_at_a_time(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client, max_concurrent_image_checks=4)
    pool = site.client.app[keys.IMAGE_CHECKS]
    seen: list[int] = []
    pool.on_change = lambda: seen.append(pool.running + pool.waiting)
    status, _, _ = await upload(site, [(f"{n}.png", png(n)) for n in range(1, 5)])
    assert status == 303 and len(await stored(site)) == 4
    assert seen and max(seen) == 1  # never two of them running or waiting at once


async def test_sizes_read_like_a_person_wrote_them(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client)
    await upload(site, [("a.png", png(1, (300, 200)))])
    _, html = await site.get("/images")
    sizes = SIZE_RE.findall(html)
    assert sizes and all(re.fullmatch(r"\d+(\.\d)? (B|KB|MB)", size) for size in sizes)
    assert "파일마다 최대 10 MB" in html


async def test_an_unused_image_is_deleted_after_confirmation(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client)
    await upload(site, [("버릴 사진.png", png(7))])
    (image,) = await stored(site)
    _, html = await site.get("/images")
    assert f'href="/images/{image.id}/delete"' in html

    status, page = await site.get(f"/images/{image.id}/delete")
    assert status == 200 and "버릴 사진.png" in page and "되돌릴 수 없습니다" in page
    assert (await site.post(f"/images/{image.id}/delete", {}))[0] == 403  # no CSRF token
    assert Path(image.file_path).exists()  # noqa: ASYNC240

    status, _, location = await site.post(
        f"/images/{image.id}/delete", {"csrf_token": csrf_of(page)}
    )
    assert (status, location) == (303, f"/images?deleted={image.id}")
    assert await stored(site) == []
    assert not Path(image.file_path).exists()  # noqa: ASYNC240
    _, html = await site.get(location or "")
    assert f"이미지 #{image.id}을(를) 삭제했습니다." in html


async def test_only_schedules_that_may_still_send_keep_an_image(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client)
    await upload(site, [("a.png", png(1)), ("b.png", png(2))])
    used, done = await stored(site)
    active = await use_in_schedule(site, used, "active")
    paused = await use_in_schedule(site, used, "inactive")
    await use_in_schedule(site, done, "completed")

    _, html = await site.get("/images")
    assert f"사용 중: 스케줄 #{active}(활성), 스케줄 #{paused}(비활성)" in html
    assert f'href="/images/{used.id}/delete"' not in html
    assert f'href="/images/{done.id}/delete"' in html  # only a completed schedule used it

    status, page = await site.get(f"/images/{used.id}/delete")
    assert status == 200 and "사용 중이라 삭제할 수 없습니다" in page
    assert f'action="/images/{used.id}/delete"' not in page  # no delete button
    status, body, _ = await site.post(f"/images/{used.id}/delete", {"csrf_token": csrf_of(page)})
    assert status == 409 and f"#{active}, #{paused}" in body
    status, _, _ = await site.post(f"/images/{done.id}/delete", {"csrf_token": csrf_of(page)})
    assert status == 303
    assert [i.id for i in await stored(site)] == [used.id]


async def test_delete_follows_the_org_tree(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client)
    await upload(site, [("a.png", png(1)), ("b.png", png(2))])
    first, second = await stored(site)

    html = await site.login("BR2")  # a sibling branch: not its image
    assert (await site.get(f"/images/{first.id}/delete"))[0] == 404
    status, body, _ = await site.post(f"/images/{first.id}/delete", {"csrf_token": csrf_of(html)})
    assert status == 404 and "없거나 볼 권한이 없습니다" in body
    assert (await site.get("/images/999999/delete"))[0] == 404

    html = await site.login("AG1")  # the agency above it may
    status, _, _ = await site.post(f"/images/{first.id}/delete", {"csrf_token": csrf_of(html)})
    assert status == 303
    assert [i.id for i in await stored(site)] == [second.id]


@pytest.mark.parametrize(
    ("status", "blocks"),
    [("active", True), ("inactive", True), ("error", True), ("completed", False)],
)
async def test_the_api_deletes_by_the_same_rule(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    aiohttp_client: Any,
    status: str,
    blocks: bool,
) -> None:
    site = await site_for(cfg, sessions, aiohttp_client)
    await upload(site, [("a.png", png(1))])
    (image,) = await stored(site)
    schedule_id = await use_in_schedule(site, image, status)
    async with sessions.begin() as s:
        _, token = await tokens.create_token(
            s, kakao_user_id=USERS["BR1"], name="t", at=START, actor="cli"
        )
    resp = await site.client.delete(
        f"/api/images/{image.id}", headers={"Authorization": f"Bearer {token}"}
    )
    if blocks:
        assert resp.status == 409
        assert f"#{schedule_id}" in (await resp.json())["error"]["message"]
        assert len(await stored(site)) == 1
    else:
        assert resp.status == 200
        assert await stored(site) == []
