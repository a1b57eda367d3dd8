"""Image uploads, continued: raw multipart edge cases, visibility along the org tree,
pagination, deletion of used images and the names served."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest

from storage import images
from storage.errors import NotFound
from storage.models import Schedule
from tests.services.test_images import (
    SEED_FIELDS,
    Api,
    picture,
)


def multipart(disposition: bytes, data: bytes, content_type: bytes = b"image/png") -> bytes:
    """One raw part under the boundary ``BB``, headers exactly as given."""
    return (
        b"--BB\r\nContent-Disposition: "
        + disposition
        + b"\r\nContent-Type: "
        + content_type
        + b"\r\n\r\n"
        + data
        + b"\r\n--BB--\r\n"
    )


async def post_raw(api: Api, body: bytes) -> Any:
    headers = {**api.auth("b1"), "Content-Type": "multipart/form-data; boundary=BB"}
    return await api.client.post("/api/images", data=body, headers=headers)


BROKEN_PART_HEADERS = [
    ("NUL in filename", b'form-data; name="file"; filename="a\x00b.png"', b"image/png"),
    ("NUL in name", b'form-data; name="fi\x00le"; filename="a.png"', b"image/png"),
    ("control byte in filename", b'form-data; name="file"; filename="a\x01.png"', b"image/png"),
    ("NUL in content type", b'form-data; name="file"; filename="a.png"', b"image/\x00png"),
    ("header line too long", b'form-data; name="file"; filename="' + b"a" * 70_000 + b'"', b""),
]


async def test_broken_part_headers_are_a_400_naming_them(api: Api) -> None:
    for case, disposition, content_type in BROKEN_PART_HEADERS:
        resp = await post_raw(api, multipart(disposition, picture("PNG"), content_type))
        assert resp.status == 400, case
        error = (await resp.json())["error"]
        assert (error["code"], error["field"]) == ("bad_multipart_header", "file"), case
        assert "헤더" in error["message"], case
    assert await api.image_count() == 0


@pytest.mark.parametrize(
    ("disposition", "shown"),
    [
        (b'form-data; name="file"; filename="\xff\xec\x82\xac\xec\xa7\x84.png"', "\ufffd사진.png"),
        # the charset of filename* is the client's choice; this one makes a lone surrogate
        (b"form-data; name=\"file\"; filename*=unicode_escape''%5Cud800x.png", "?x.png"),
    ],
    ids=["not utf-8", "lone surrogate"],
)
async def test_a_file_name_that_is_not_utf8_keeps_its_readable_part(
    api: Api, disposition: bytes, shown: str
) -> None:
    resp = await post_raw(api, multipart(disposition, picture("PNG", seed=21)))
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["original_name"] == shown


async def test_visibility_follows_the_org_tree(api: Api) -> None:
    mine = await (await api.upload(picture("PNG", seed=11), who="b1")).json()
    theirs = await (await api.upload(picture("PNG", seed=12), who="b2")).json()

    other = await api.client.get(f"/api/images/{theirs['id']}", headers=api.auth("b1"))
    assert other.status == 404  # like a missing image: its id is not confirmed
    assert "권한" in (await other.json())["error"]["message"]
    gone = await api.client.delete(f"/api/images/{theirs['id']}", headers=api.auth("b1"))
    assert gone.status == 404
    assert await api.image_count() == 2

    async def listed(who: str) -> set[int]:
        resp = await api.client.get("/api/images", headers=api.auth(who))
        assert resp.status == 200
        return {item["id"] for item in (await resp.json())["images"]}

    assert await listed("b1") == {mine["id"]}
    assert await listed("b2") == {theirs["id"]}
    assert await listed("a1") == await listed("hq") == {mine["id"], theirs["id"]}
    above = await api.client.get(f"/api/images/{mine['id']}", headers=api.auth("a1"))
    assert above.status == 200


async def test_pagination(api: Api) -> None:
    ids = [(await (await api.upload(picture("GIF", seed=20 + i))).json())["id"] for i in range(3)]
    resp = await api.client.get("/api/images?page=2&per_page=2", headers=api.auth("b1"))
    body = await resp.json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 3)
    assert [item["id"] for item in body["images"]] == [min(ids)]  # newest first
    bad = await api.client.get("/api/images?per_page=0", headers=api.auth("b1"))
    assert bad.status == 400
    assert (await bad.json())["error"]["field"] == "per_page"


async def test_an_image_used_by_a_schedule_cannot_be_deleted(api: Api) -> None:
    body = await (await api.upload(picture("JPEG", seed=30))).json()
    async with api.sessions.begin() as s:
        image = await images.get_image(s, body["id"])
        schedule = Schedule(
            title="주간 특가",
            created_by_type="branch",
            created_by_id="BR1",
            created_by_mb_id="kim",
            target_room_id="room-1",
            message_images=images.image_json([image]),
            schedule_type="daily",
            schedule_time=time(9, 30),
            valid_from=datetime(2026, 12, 1),
            valid_until=datetime(2027, 1, 1),
        )
        s.add(schedule)
    resp = await api.client.delete(f"/api/images/{body['id']}", headers=api.auth("b1"))
    assert resp.status == 409
    assert f"#{schedule.id}" in (await resp.json())["error"]["message"]
    assert Path(body["file_path"]).exists()  # noqa: ASYNC240

    async with api.sessions.begin() as s:
        row = await s.get(Schedule, schedule.id)
        assert row is not None
        row.message_images = {"images": []}
    resp = await api.client.delete(f"/api/images/{body['id']}", headers=api.auth("b1"))
    assert resp.status == 200
    assert not Path(body["file_path"]).exists()  # noqa: ASYNC240
    assert (await api.client.get(f"/images/{body['filename']}")).status == 404
    again = await api.client.get(f"/api/images/{body['id']}", headers=api.auth("b1"))
    assert again.status == 404


async def test_only_generated_names_are_served(api: Api) -> None:
    api.upload_dir().mkdir(parents=True, exist_ok=True)
    (api.upload_dir() / "secret.txt").write_text("secret")
    for path in (
        "/images/../x",
        "/images/%2e%2e%2fsecret.txt",
        "/images/..%2F..%2Fetc%2Fpasswd",
        "/images/secret.txt",
        "/images/img_20261201_0123456789abcdef_o1.jpg",
        "/images/img_20261201_0123456789abcdef_o1.php",
    ):
        resp = await api.client.get(path)
        assert resp.status == 404, path
        assert "secret" not in await resp.text()


async def test_get_images_and_image_json_keep_the_given_order(api: Api) -> None:
    first = await (await api.upload(picture("PNG", seed=40))).json()
    second = await (await api.upload(picture("WEBP", seed=41))).json()
    async with api.sessions() as s:
        found = await images.get_images(s, [second["id"], first["id"]])
        assert images.image_json(found) == {
            "images": [
                {k: v for k, v in second.items() if k in SEED_FIELDS},
                {k: v for k, v in first.items() if k in SEED_FIELDS},
            ]
        }
        with pytest.raises(NotFound, match="#998, #999"):
            await images.get_images(s, [first["id"], 998, 999])
