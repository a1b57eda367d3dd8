"""Uploads through both doors (``POST /api/images`` and the web page's form) store the picture
without its metadata and upright, the row describing the stored file; the files are served
as private; both doors check uploads on the app's bounded pool, waiting their turn."""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from PIL import Image as PILImage
from PIL import ImageChops, ImageOps, ImageStat
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage import tokens
from storage.kbot_models import Image
from tests.support.command_world import START, USERS, build_world
from tests.support.image_samples import (
    SECRET,
    animated,
    frames,
    gif_with_xmp,
    jpeg_with_metadata,
    png_with_metadata,
    webp_with_metadata,
)
from tests.support.pages import Site, csrf_of, make_site
from web import keys

SAMPLES = {
    "photo.jpg": jpeg_with_metadata,
    "text.png": png_with_metadata,
    "photo.webp": webp_with_metadata,
    "moving.gif": lambda: gif_with_xmp(animated("GIF")),
    "moving.webp": lambda: animated("WEBP"),
}


@dataclass
class Doors:
    site: Site
    token: str

    async def api(self, data: bytes, name: str = "photo.jpg") -> tuple[int, dict[str, Any]]:
        form = FormData()
        form.add_field("file", data, filename=name)
        headers = {"Authorization": f"Bearer {self.token}"}
        resp = await self.site.client.post("/api/images", data=form, headers=headers)
        return resp.status, await resp.json()

    async def form(self, data: bytes, name: str = "photo.jpg") -> tuple[int, str | None]:
        _, html = await self.site.get("/images")
        form = FormData()
        form.add_field("csrf_token", csrf_of(html))
        form.add_field("file", data, filename=name)
        status, _, location = await self.site.post("/images", form)
        return status, location

    async def row(self, image_id: int) -> Image:
        async with self.site.sessions() as s:
            image = await s.get(Image, image_id)
        assert image is not None
        return image


@pytest.fixture
async def doors(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> Doors:
    await build_world(sessions)
    async with sessions.begin() as s:
        _, token = await tokens.create_token(
            s, kakao_user_id=USERS["BR1"], name="t", at=START, actor="cli"
        )
    site = await make_site(cfg, sessions, aiohttp_client)
    await site.login("BR1")
    return Doors(site, token)


@pytest.mark.parametrize("name", SAMPLES)
async def test_an_upload_is_stored_without_its_metadata(doors: Doors, name: str) -> None:
    data = SAMPLES[name]()
    status, body = await doors.api(data, name)
    assert status == 201, body
    stored = Path(body["file_path"]).read_bytes()  # noqa: ASYNC240
    assert SECRET not in stored and b"Exif" not in stored and b"xmpmeta" not in stored
    assert frames(stored) == frames(data)  # the same picture, every frame of an animation
    with PILImage.open(io.BytesIO(stored)) as img:
        assert dict(img.getexif()) == {}
        assert (body["width"], body["height"]) == img.size
    assert body["file_size"] == len(stored) < len(data)
    assert body["sha256"] == hashlib.sha256(stored).hexdigest()
    assert body["filename"].split("_")[2] == body["sha256"][:16]
    served = await doors.site.client.get(f"/images/{body['filename']}")
    assert await served.read() == stored


async def test_a_rotated_jpeg_is_stored_upright_through_the_form(doors: Doors) -> None:
    data = jpeg_with_metadata(6)  # 64 x 32 stored sideways: viewers show it 32 x 64
    status, location = await doors.form(data)
    assert status == 303 and location is not None
    image = await doors.row(int(location.split("=")[1]))
    stored = Path(image.file_path).read_bytes()  # noqa: ASYNC240
    with PILImage.open(io.BytesIO(data)) as original:
        shown = ImageOps.exif_transpose(original)
    with PILImage.open(io.BytesIO(stored)) as img:
        assert img.size == shown.size == (image.width, image.height) == (32, 64)
        assert dict(img.getexif()) == {} and SECRET not in stored
        diff = ImageStat.Stat(ImageChops.difference(img.convert("RGB"), shown))
        assert max(diff.mean) < 8  # one re-encoding; a wrong turn is > 90
    assert (image.file_size, image.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())

    status, again = await doors.api(data)  # the same upload through the other door
    assert (status, again["id"]) == (200, image.id)


async def test_image_files_are_served_as_private(doors: Doors) -> None:
    _, body = await doors.api(jpeg_with_metadata())
    resp = await doors.site.client.get(f"/images/{body['filename']}")
    assert resp.status == 200
    cache = resp.headers["Cache-Control"]
    assert "private" in cache.split(", ") and "public" not in cache
    assert "max-age=" in cache
    assert resp.headers["X-Robots-Tag"] == "noindex"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_both_doors_wait_for_a_free_check_slot(doors: Doors) -> None:
    """With every slot taken (the default is one), uploads through either door wait, and
    nothing is stored until a slot frees."""
    pool = doors.site.client.app[keys.IMAGE_CHECKS]
    assert pool.limit == doors.site.cfg.web.max_concurrent_image_checks == 1
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        assert release.wait(timeout=30)

    holder = asyncio.create_task(pool.run(hold))
    two_waiting = asyncio.Event()
    pool.on_change = lambda: two_waiting.set() if pool.waiting == 2 else None
    api = asyncio.create_task(doors.api(jpeg_with_metadata(), "a.jpg"))
    form = asyncio.create_task(doors.form(png_with_metadata(), "b.png"))
    await asyncio.wait_for(two_waiting.wait(), 30)
    assert started.is_set() and pool.running == 1
    assert await doors.site.image_count() == 0
    assert not api.done() and not form.done()

    release.set()
    await holder
    (api_status, _), (form_status, _) = await asyncio.gather(api, form)
    assert (api_status, form_status) == (201, 303)
    assert await doors.site.image_count() == 2
    assert (pool.running, pool.waiting) == (0, 0)
