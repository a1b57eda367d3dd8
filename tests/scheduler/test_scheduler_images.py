"""Image files named by ``kb_schedule`` rows are input: the scheduler reads a file only inside
``web.upload_dir`` (kbot's own uploads, owned by an org of the creator's subtree) or
``web.image_dirs`` (the PHP site's folder), and only when it is an image. A row naming
anything else is refused before anything is sent, the log says why in Korean without the
path, the schedule is stopped, and the rooms to alert hear of it once."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.alerts import Alert
from core.config import Config
from storage.kbot_models import Image, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from storage.orgs import get_by_code
from tests.conftest import PHP_IMAGES
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    OTHER_ROOM,
    START,
    RecordingSender,
    add_schedule,
    image_bytes,
    image_file,
    run,
    scheduler,
    with_settings,
)

DUE = START + timedelta(minutes=30)  # 09:30 local
BRANCH = {"created_by_type": "branch", "created_by_id": "BR1"}


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def __call__(self, alert: Alert) -> None:
        self.sent.append((alert.room_id, alert.text))


def with_ops_room(cfg: Config) -> Config:
    config = with_settings(cfg)
    return config.model_copy(
        update={"alerts": config.alerts.model_copy(update={"ops_room_id": "999"})}
    )


async def send_due(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], alerts: Alerts | None = None
) -> tuple[RecordingSender, list[ScheduleLog]]:
    clock = FakeClock(DUE)
    sender = RecordingSender(clock)
    sched = scheduler(with_ops_room(cfg), sessions, sender, clock, notify=alerts)
    await run(clock, sched.run_once())
    async with sessions() as s:
        return sender, list(await s.scalars(select(ScheduleLog).order_by(ScheduleLog.id)))


async def status_of(sessions: async_sessionmaker[AsyncSession], sid: int) -> str | None:
    async with sessions() as s:
        return await s.scalar(select(Schedule.status).where(Schedule.id == sid))


def in_uploads(cfg: Config, filename: str, data: bytes) -> Path:
    folder = Path(cfg.web.upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(data)
    return folder / filename


async def upload(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], org: str, name: str
) -> dict[str, Any]:
    """A file in web.upload_dir registered as ``org``'s upload, and its message_images entry."""
    filename = f"img_20261201_{(name.encode().hex() * 8)[:16]}_o1.png"
    path = in_uploads(cfg, filename, image_bytes(name))
    async with sessions.begin() as s:
        owner = await get_by_code(s, org)
        image = Image(
            filename=filename,
            original_name=f"{name}.png",
            file_path=str(path),
            file_url=f"http://127.0.0.1:8080/images/{filename}",
            file_size=path.stat().st_size,
            mime_type="image/png",
            width=1,
            height=1,
            sha256="0" * 64,
            org_id=owner.id,
            upload_date=START.replace(tzinfo=None),
        )
        s.add(image)
        await s.flush()
        return {"id": image.id, "filename": filename, "file_path": str(path)}


async def test_a_row_naming_the_secret_key_sends_nothing_and_stops(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    secret = Path(cfg.data_dir) / "secret_key"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("do-not-send-me\n")
    sid = await add_schedule(
        sessions,
        **BRANCH,
        send_order="images_only",
        message_images={"images": [{"id": 999, "file_path": str(secret)}]},
    )
    async with sessions.begin() as s:
        s.add(ScheduleMeta(schedule_id=sid, notify_room_id="777"))
    alerts = Alerts()
    sender, [entry] = await send_due(cfg, sessions, alerts)
    assert sender.calls == 0
    assert entry.status == "failed"
    assert entry.error_message is not None
    assert "이미지 #999" in entry.error_message and "허용된 이미지 폴더" in entry.error_message
    assert str(secret) not in entry.error_message and "secret" not in entry.error_message
    assert await status_of(sessions, sid) == "error"
    assert [room for room, _ in alerts.sent] == ["777", "999"]
    assert all("'오류' 상태" in text for _, text in alerts.sent)
    sender, entries = await send_due(cfg, sessions, alerts)  # stopped: nothing more, no alert
    assert sender.calls == 0 and len(entries) == 1 and len(alerts.sent) == 2


@pytest.mark.parametrize("exists", [True, False])
async def test_a_file_outside_the_folders_gets_the_same_answer_whether_it_exists_or_not(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    world: None,
    tmp_path: Path,
    exists: bool,
) -> None:
    outside = tmp_path / "elsewhere" / "photo.png"
    if exists:
        outside.parent.mkdir()
        outside.write_bytes(image_bytes("real picture"))
    await add_schedule(
        sessions, **BRANCH, message_images={"images": [{"id": 5, "file_path": str(outside)}]}
    )
    sender, [entry] = await send_due(cfg, sessions)
    assert sender.calls == 0  # not even the text: the row is refused as a whole
    assert entry.error_message == (
        "이미지 #5: 허용된 이미지 폴더(web.upload_dir, web.image_dirs) 밖의 파일이라 "
        "보내지 않았습니다."
    )


async def test_a_symlink_out_of_the_image_folder_is_refused(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    target = tmp_path / "private.png"
    target.write_bytes(image_bytes("private"))
    folder = tmp_path / PHP_IMAGES
    folder.mkdir()
    (folder / "promo.png").symlink_to(target)
    sid = await add_schedule(
        sessions,
        **BRANCH,
        message_images={"images": [{"id": 7, "file_path": str(folder / "promo.png")}]},
    )
    sender, [entry] = await send_due(cfg, sessions)
    assert sender.calls == 0 and "허용된 이미지 폴더" in (entry.error_message or "")
    assert await status_of(sessions, sid) == "error"


async def test_another_orgs_upload_is_refused_and_an_own_upload_is_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    theirs = await upload(cfg, sessions, "BR2", "BR2 promo")
    mine = await upload(cfg, sessions, "BR1", "BR1 promo")
    refused = await add_schedule(sessions, **BRANCH, message_images={"images": [theirs]})
    sent = await add_schedule(sessions, **BRANCH, message_images={"images": [mine]})
    sender, entries = await send_due(cfg, sessions)
    by_schedule = {entry.schedule_id: entry for entry in entries}
    assert by_schedule[sent].status == "success"
    assert [s.payload for s in sender.sent] == ["안녕하세요", image_bytes("BR1 promo")]
    assert by_schedule[refused].status == "failed"
    assert "그 아래 조직의 이미지가 아니라" in (by_schedule[refused].error_message or "")
    assert await status_of(sessions, refused) == "error"


async def test_a_file_in_the_upload_folder_that_kbot_did_not_register_is_refused(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    stray = in_uploads(cfg, "img_20261201_00112233aabbccdd_o1.png", image_bytes("stray"))
    wrong_name = in_uploads(cfg, "notes.png", image_bytes("notes"))
    first = await add_schedule(
        sessions, **BRANCH, message_images={"images": [{"id": 1, "file_path": str(stray)}]}
    )
    second = await add_schedule(
        sessions, **BRANCH, message_images={"images": [{"id": 2, "file_path": str(wrong_name)}]}
    )
    sender, entries = await send_due(cfg, sessions)
    assert sender.calls == 0
    reasons = {entry.schedule_id: entry.error_message or "" for entry in entries}
    assert "kbot에 등록되지 않은 업로드 파일" in reasons[first]
    assert "kbot에 올린 이미지 파일이 아닙니다" in reasons[second]


async def test_a_file_in_the_php_folder_that_is_not_an_image_is_not_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    folder = tmp_path / PHP_IMAGES
    good = image_file(folder, "good")
    text = folder / "readme.png"
    text.write_text("not a picture")
    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    sid = await add_schedule(
        sessions,
        **BRANCH,
        message_images={
            "images": [good, {"id": 2, "file_path": str(text)}, {"id": 3, "file_path": str(fifo)}]
        },
    )
    sender, [entry] = await send_due(cfg, sessions)
    assert [s.payload for s in sender.sent] == ["안녕하세요", image_bytes("good")]
    assert entry.status == "partial"
    assert entry.error_message == "이미지 #2: JPEG, PNG, GIF, WEBP 이미지 파일이 아닙니다."
    assert await status_of(sessions, sid) == "active"  # an ordinary failure: counted, not stopped


async def test_another_branchs_room_is_checked_with_the_creator_type(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """A row claiming HQ's code with the type 'branch' is not headquarters."""
    await add_schedule(
        sessions, created_by_type="branch", created_by_id="HQ", target_room_id=OTHER_ROOM
    )
    sender, [entry] = await send_due(cfg, sessions)
    assert sender.calls == 0 and "종류가 맞지 않거나" in (entry.error_message or "")
