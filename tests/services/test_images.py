"""Image upload, listing, deletion and serving through the real app, plus the content checks
against disguised, oversized, decompression-bomb and polyglot files."""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image as PILImage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from storage import admins, tokens
from storage.image_check import ImageRejected, check_image, display_name
from storage.kbot_models import Image
from tests.support.fakes import FakeClock
from tests.support.orgs import add_tree

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 10:30:00 in Asia/Seoul
SEED_FIELDS = {
    "id",
    "filename",
    "original_name",
    "file_path",
    "file_url",
    "file_size",
    "mime_type",
    "upload_date",
}
NAME_RE = re.compile(r"^img_20261201_[0-9a-f]{16}_o[0-9]+\.(jpg|png|gif|webp)$")


def picture(fmt: str, size: tuple[int, int] = (32, 24), seed: int = 1, **save: Any) -> bytes:
    img = PILImage.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    img.putpixel((0, 0), (seed % 256, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format=fmt, **save)
    return buf.getvalue()


def noisy_png(size: tuple[int, int]) -> bytes:
    img = PILImage.frombytes("L", size, random.Random(7).randbytes(size[0] * size[1]))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.bin", b"MZ\x90\x00 executable payload")
    return buf.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    jpeg = picture("JPEG", seed=9)
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def animated_gif() -> bytes:
    frames = [PILImage.new("P", (20, 20), i) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


@dataclass
class Api:
    client: TestClient
    cfg: Config
    sessions: async_sessionmaker[AsyncSession]
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def upload(
        self, data: bytes, name: str = "photo.png", who: str = "b1", content_type: str = "image/png"
    ) -> Any:
        form = FormData()
        form.add_field("file", data, filename=name, content_type=content_type)
        return await self.client.post("/api/images", data=form, headers=self.auth(who))

    def upload_dir(self) -> Path:
        return Path(self.cfg.web.upload_dir)

    def stored_files(self) -> list[str]:
        root = self.upload_dir()
        return sorted(p.name for p in root.iterdir()) if root.exists() else []

    async def image_count(self) -> int:
        async with self.sessions() as s:
            return await s.scalar(select(func.count()).select_from(Image)) or 0


async def make_api(aiohttp_client: Any, cfg: Config, sessions: Any) -> Api:
    """The org tree (``tests.support.orgs``); an admin with a token in HQ, AG1, BR1 and BR2,
    known as hq, a1, b1 and b2."""
    plain: dict[str, str] = {}
    async with sessions.begin() as s:
        await add_tree(s, at=NOW, actor="cli")
        for who, code in (("HQ", "HQ"), ("A1", "AG1"), ("B1", "BR1"), ("B2", "BR2")):
            kakao = f"u-{who}"
            await admins.add_admin(
                s, kakao_user_id=kakao, org_code=code, name=f"관리자{who}", at=NOW, actor="cli"
            )
            _, token = await tokens.create_token(
                s, kakao_user_id=kakao, name="t", at=NOW, actor="cli"
            )
            plain[who.lower()] = token
    quiet = cfg.scheduler.model_copy(update={"enabled": False})  # no sends in these tests
    app = await init_app(cfg.model_copy(update={"scheduler": quiet}), clock=FakeClock(NOW))
    return Api(await aiohttp_client(app), cfg, sessions, plain)


def with_web(cfg: Config, **web: Any) -> Config:
    return cfg.model_copy(update={"web": cfg.web.model_copy(update=web)})


FORMATS: list[tuple[str, dict[str, Any], str, str]] = [
    ("JPEG", {}, "image/jpeg", "jpg"),
    ("JPEG", {"progressive": True, "quality": 80}, "image/jpeg", "jpg"),
    ("PNG", {}, "image/png", "png"),
    ("GIF", {}, "image/gif", "gif"),
    ("WEBP", {}, "image/webp", "webp"),
]


async def test_upload_stores_under_a_generated_name_and_serves_it(api: Api) -> None:
    names = []
    for seed, (fmt, save, mime, ext) in enumerate(FORMATS):
        data = picture(fmt, seed=seed, **save)
        resp = await api.upload(
            data, name="7월 프로모션.bin", content_type="application/octet-stream"
        )
        assert resp.status == 201, (fmt, await resp.text())
        body = await resp.json()
        assert set(body) == SEED_FIELDS | {"width", "height", "sha256"}
        assert body["mime_type"] == mime
        assert NAME_RE.match(body["filename"]) and body["filename"].endswith(f".{ext}")
        assert body["original_name"] == "7월 프로모션.bin"
        assert (body["width"], body["height"], body["file_size"]) == (32, 24, len(data))
        assert body["upload_date"] == "2026-12-01 10:30:00"
        assert body["file_url"] == f"{api.cfg.server.public_url}/images/{body['filename']}"
        stored = api.upload_dir().resolve() / body["filename"]
        assert body["file_path"] == str(stored)
        assert stored.read_bytes() == data
        names.append(body["filename"])
        assert api.stored_files() == sorted(names)  # no temp files left behind

        served = await api.client.get(f"/images/{body['filename']}")
        assert served.status == 200
        assert await served.read() == data
        assert served.headers["Content-Type"] == mime
        assert served.headers["X-Content-Type-Options"] == "nosniff"

        one = await api.client.get(f"/api/images/{body['id']}", headers=api.auth("b1"))
        assert one.status == 200 and await one.json() == body


async def test_same_bytes_twice_give_the_same_image(api: Api) -> None:
    data = picture("PNG", seed=3)
    first = await api.upload(data, name="a.png")
    second = await api.upload(data, name="b.png")
    assert (first.status, second.status) == (201, 200)
    assert (await first.json())["id"] == (await second.json())["id"]
    assert await api.image_count() == 1
    assert len(api.stored_files()) == 1


async def test_two_orgs_uploading_the_same_bytes_each_get_their_own_image(api: Api) -> None:
    """HQ's promotion picture uploaded by two branches: each branch can see and use its own."""
    data = picture("PNG", seed=4)
    first = await (await api.upload(data, who="b1")).json()
    resp = await api.upload(data, who="b2")
    assert resp.status == 201
    second = await resp.json()
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    for who, image in (("b1", first), ("b2", second)):
        own = await api.client.get(f"/api/images/{image['id']}", headers=api.auth(who))
        assert own.status == 200
    assert len(api.stored_files()) == 2


DISGUISED = [
    ("text named .jpg", b"just some text, not a picture\n", "notes.jpg", "unsupported_type", 422),
    (
        "html named .png",
        b"<html><script>alert(1)</script></html>",
        "x.png",
        "unsupported_type",
        422,
    ),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "x.svg", "unsupported_type", 422),
    ("empty", b"", "empty.png", "empty", 422),
    ("png + script", picture("PNG") + b"<script>alert(1)</script>", "a.png", "polyglot", 422),
    ("png + zip", picture("PNG") + zip_bytes(), "a.png", "polyglot", 422),
    ("jpeg + zip", picture("JPEG") + zip_bytes(), "a.jpg", "polyglot", 422),
    ("gif + php", picture("GIF") + b"<?php echo 1; ?>", "a.gif", "polyglot", 422),
    ("webp + html", picture("WEBP") + b"<html></html>", "a.webp", "polyglot", 422),
    ("script in jpeg comment", jpeg_with_comment(b"<script>x</script>"), "c.jpg", "polyglot", 422),
    ("truncated png", picture("PNG")[:-30], "t.png", "corrupt", 422),
    ("bomb header", png_header_only(100_000, 100_000), "bomb.png", "too_many_pixels", 422),
]


async def test_disguised_and_hostile_files_are_refused(api: Api) -> None:
    for case, data, name, code, status in DISGUISED:
        resp = await api.upload(data, name=name, content_type="image/png")
        assert resp.status == status, case
        error = (await resp.json())["error"]
        assert error["code"] == code, case
        assert error["field"] == "file"
        assert re.search(r"[가-힣]", error["message"])
    assert await api.image_count() == 0
    assert api.stored_files() == []


async def test_size_and_pixel_limits(cfg: Config, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(
        aiohttp_client, with_web(cfg, max_image_bytes=2048, max_image_pixels=10_000), sessions
    )
    big = noisy_png((60, 60))
    assert 2048 < len(big) < 10_000  # passes the Content-Length guard: the stream limit stops it
    resp = await api.upload(big)
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "too_large"
    assert "2 KB" in (await resp.json())["error"]["message"]

    huge = await api.upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000)
    assert huge.status == 413

    wide = await api.upload(picture("PNG", size=(200, 100)))  # 20,000 pixels > 10,000
    assert wide.status == 422
    assert (await wide.json())["error"]["code"] == "too_many_pixels"

    fits = await api.upload(picture("PNG", size=(100, 100)))
    assert fits.status == 201
    assert await api.image_count() == 1


async def test_uploaded_names_never_reach_the_disk(api: Api, tmp_path: Path) -> None:
    resp = await api.upload(picture("PNG", seed=5), name="../../etc/passwd.png")
    assert resp.status == 201
    body = await resp.json()
    assert NAME_RE.match(body["filename"])
    assert body["original_name"] == "passwd.png"
    assert Path(body["file_path"]).parent == api.upload_dir().resolve()
    assert not (tmp_path / "etc").exists()

    resp = await api.upload(picture("PNG", seed=6), name="..\\..\\evil\u202egnp.exe")
    assert (await resp.json())["original_name"] == "evilgnp.exe"


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("7월 프로모션.jpg", "7월 프로모션.jpg"),
        ("C:\\Users\\kim\\사진.png", "사진.png"),
        ("/tmp/../x.gif", "x.gif"),
        ("..", "image.png"),
        ("", "image.png"),
        (None, "image.png"),
        ("a\tb\x1b.png", "ab.png"),
        ("가" * 300, "가" * 255),
        ("\u1100\u1161.png", "가.png"),  # decomposed Hangul (macOS) is normalised
    ],
)
def test_display_name(uploaded: str | None, shown: str) -> None:
    assert display_name(uploaded, "png") == shown


def test_checker_accepts_animated_gif_and_reports_size() -> None:
    checked = check_image(animated_gif(), max_bytes=10**6, max_pixels=10**6)
    assert (checked.kind.mime_type, checked.width, checked.height) == ("image/gif", 20, 20)
    with pytest.raises(ImageRejected) as err:
        check_image(animated_gif() + b"PK\x03\x04junk", max_bytes=10**6, max_pixels=10**6)
    assert err.value.code == "polyglot"


async def test_requests_without_a_valid_token_are_refused(api: Api) -> None:
    form = FormData()
    form.add_field("file", picture("PNG"), filename="a.png")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
        resp = await api.client.post("/api/images", data=form, headers=headers)
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "unauthorized"
        assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert (await api.client.get("/api/images")).status == 401
    assert await api.image_count() == 0


async def test_bad_requests_get_json_errors(api: Api) -> None:
    resp = await api.client.post("/api/images", json={"file": "x"}, headers=api.auth("b1"))
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "multipart_required"

    form = FormData()
    form.add_field("other", "value")
    form.add_field("image", picture("PNG"), filename="a.png")
    resp = await api.client.post("/api/images", data=form, headers=api.auth("b1"))
    assert resp.status == 400
    assert (await resp.json())["error"] == {
        "code": "file_required",
        "message": "'file' 필드에 이미지 파일이 없습니다.",
        "field": "file",
    }

    resp = await api.client.post(
        "/api/images",
        data=b"garbage without boundaries",
        headers={**api.auth("b1"), "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_multipart"

    for path in ("/api/images/abc", "/api/images/99999", "/api/images/99999999999999999999"):
        resp = await api.client.get(path, headers=api.auth("b1"))
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "not_found"
    resp = await api.client.put("/api/images/1", headers=api.auth("b1"))
    assert resp.status == 405
    assert (await resp.json())["error"]["code"] == "method_not_allowed"
