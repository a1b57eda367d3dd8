"""Uploaded images: validated bytes stored under ``web.upload_dir`` with a generated name, and
their rows in ``kbot_images``.

What is stored is the upload without its metadata and turned upright
(``storage.image_prepare``); the digest, size and dimensions in ``kbot_images`` describe the
stored file. Its name is ``img_<yyyymmdd>_<sha256[:16]>_o<org id>.<ext>`` (the upload's local
date, the stored content's digest and owning org, the extension from the detected format); the
uploaded name is kept only as ``original_name`` for display. The same upload twice by one org
gives the same row; another org uploading it gets a row (and file) of its own, since each org
sees only its own images. Checks decode pixels, on the caller's ``ImageCheckPool``
(``web.max_concurrent_image_checks`` at once).
``image_json`` renders the seed's section 3.3 JSON that ``kb_schedule.message_images`` holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.timeutil import to_local_naive
from storage import audit
from storage.errors import Conflict, NotFound
from storage.image_check import display_name
from storage.image_files import restore_file, write_atomically
from storage.image_pool import ImageCheckPool
from storage.image_prepare import prepare_image
from storage.image_uses import schedules_using
from storage.kbot_models import Admin, Image

FILENAME_RE = re.compile(r"^img_[0-9]{8}_[0-9a-f]{16}_o[0-9]{1,10}\.(?:jpg|png|gif|webp)$")
UPLOAD_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def upload_dir(cfg: Config) -> Path:
    return Path(cfg.web.upload_dir).resolve()


def stored_path(cfg: Config, filename: str) -> Path | None:
    """The file behind a generated name, or None for anything that is not one."""
    if not FILENAME_RE.fullmatch(filename):
        return None
    return upload_dir(cfg) / filename


async def store_image(
    session: AsyncSession,
    *,
    data: bytes,
    original_name: str | None,
    cfg: Config,
    admin: Admin,
    at: datetime,
    checks: ImageCheckPool,
) -> tuple[Image, bool]:
    """Validate, clean and store an upload; return the row and whether it is new (False: the
    same upload was stored before and that row is returned). Raises ``ImageRejected``.
    The check runs on ``checks``, which bounds how many run at once."""
    web_cfg = cfg.web
    prepared = await checks.run(
        prepare_image, data, max_bytes=web_cfg.max_image_bytes, max_pixels=web_cfg.max_image_pixels
    )
    digest, kind = prepared.sha256, prepared.kind
    existing = await _by_digest(session, digest, admin.org_id)
    if existing is not None:
        await restore_file(Path(existing.file_path), prepared.data)
        return existing, False
    local = to_local_naive(at, cfg.tz).replace(microsecond=0)
    filename = f"img_{local:%Y%m%d}_{digest[:16]}_o{admin.org_id}.{kind.ext}"
    path = upload_dir(cfg) / filename
    await asyncio.to_thread(write_atomically, path, prepared.data)
    image = Image(
        filename=filename,
        original_name=display_name(original_name, kind.ext),
        file_path=str(path),
        file_url=f"{cfg.server.public_url}/images/{filename}",
        file_size=len(prepared.data),
        mime_type=kind.mime_type,
        width=prepared.width,
        height=prepared.height,
        sha256=digest,
        org_id=admin.org_id,
        uploaded_by=admin.id,
        upload_date=local,
    )
    try:
        async with session.begin_nested():
            session.add(image)
    except IntegrityError:  # a concurrent upload of the same bytes won; read it past our snapshot
        existing = await _by_digest(session, digest, admin.org_id, locking=True)
        if existing is None:
            raise
        return existing, False
    audit.record(
        session,
        at=at,
        actor=audit.actor_label(admin),
        actor_admin_id=admin.id,
        action="create",
        entity="image",
        entity_id=image.id,
        after=audit.snapshot(image),
    )
    return image, True


def image_json(images: Iterable[Image]) -> dict[str, Any]:
    """The seed's section 3.3 JSON for ``kb_schedule.message_images``, in the given order."""
    return {"images": [image_entry(image) for image in images]}


def image_entry(image: Image) -> dict[str, Any]:
    return {
        "id": image.id,
        "filename": image.filename,
        "original_name": image.original_name,
        "file_path": image.file_path,
        "file_url": image.file_url,
        "file_size": image.file_size,
        "mime_type": image.mime_type,
        "upload_date": image.upload_date.strftime(UPLOAD_DATE_FORMAT),
    }


async def get_image(session: AsyncSession, image_id: int) -> Image:
    image = await session.get(Image, image_id)
    if image is None:
        raise NotFound(f"이미지 #{image_id}을(를) 찾을 수 없습니다.")
    return image


async def get_images(session: AsyncSession, ids: Sequence[int]) -> list[Image]:
    """The images with ``ids``, in that order; ``NotFound`` names every missing id."""
    wanted = list(dict.fromkeys(ids))
    found = {
        image.id: image
        for image in await session.scalars(select(Image).where(Image.id.in_(wanted)))
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        listed = ", ".join(f"#{i}" for i in missing)
        raise NotFound(f"이미지 {listed}을(를) 찾을 수 없습니다.")
    return [found[i] for i in ids]


async def delete_image(session: AsyncSession, image: Image, *, admin: Admin, at: datetime) -> Path:
    """Delete the row; ``Conflict`` while a schedule that may still send uses it. Returns the
    stored file, which the caller removes (``remove_file``) once the transaction has
    committed."""
    users = await schedules_using(session, image.id)
    if users:
        listed = ", ".join(f"#{sid}" for sid in users)
        raise Conflict(
            f"이미지 #{image.id}은(는) 스케줄 {listed}에서 사용 중이라 삭제할 수 없습니다. "
            "스케줄에서 먼저 빼 주세요."
        )
    before = audit.snapshot(image)
    await session.delete(image)
    await session.flush()
    audit.record(
        session,
        at=at,
        actor=audit.actor_label(admin),
        actor_admin_id=admin.id,
        action="delete",
        entity="image",
        entity_id=before["id"],
        before=before,
    )
    return Path(image.file_path)


def remove_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


async def _by_digest(
    session: AsyncSession, digest: str, org_id: int, *, locking: bool = False
) -> Image | None:
    """The org's earlier upload of the same bytes (each org sees only its own images, so
    identical uploads by two orgs are two rows)."""
    query = select(Image).where(Image.sha256 == digest, Image.org_id == org_id)
    return await session.scalar(query.with_for_update() if locking else query)
