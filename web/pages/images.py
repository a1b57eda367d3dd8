"""``/images``: the upload form (several files at once, with previews) and the images this admin
may use, with the ids to paste into a schedule form (``이미지: 3, 5``), the schedules that may
still send each one, and a delete button for the others (``web.pages.image_delete``).

An upload of several files checks and stores them one after the other (each on the app's
check pool, like any upload); a file that is refused is reported by its name and the others
are kept. When every file was stored the answer redirects to ``/images?uploaded=ID,ID``.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

from aiohttp import web

from services import images as image_access
from storage import image_uses, images
from storage.image_check import ImageRejected, display_name, human_size
from storage.kbot_models import Image
from web import keys
from web.pages import image_delete as pages_image_delete
from web.pages.core import Viewer, page, render, secret_of
from web.pages.csrf import FIELD
from web.pages.query import id_list_param, int_param
from web.pages.schedules import STATUS_LABELS
from web.upload import Upload, UploadRejected, file_parts

PER_PAGE = 24
NO_FILE = "올릴 이미지 파일을 선택해 주세요."


@dataclass
class UploadBatch:
    """What one submit of the form did: the images stored (ids, in the order sent; those
    that were there before), and each refused file's name and reason."""

    uploaded: list[int] = field(default_factory=list)
    existed: list[int] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None  # the request as a whole (e.g. not a form upload)
    statuses: list[int] = field(default_factory=list)

    def stored(self, image: Image, created: bool) -> None:
        self.uploaded.append(image.id)
        if not created:
            self.existed.append(image.id)

    def refuse(self, filename: str | None, message: str, status: int) -> None:
        self.refused.append((_shown_name(filename), message))
        self.statuses.append(status)

    def fail(self, message: str, status: int) -> None:
        self.error = message
        self.statuses.append(status)

    @property
    def status(self) -> int:
        """200 when something was stored; else 413 when every refusal was about size,
        else the first refusal's status."""
        if self.uploaded or not self.statuses:
            return 200
        return 413 if all(s == 413 for s in self.statuses) else max(self.statuses)

    def location(self) -> str:
        query = "uploaded=" + ",".join(map(str, self.uploaded))
        if self.existed:
            query += "&existed=" + ",".join(map(str, self.existed))
        return f"/images?{query}"


def setup(app: web.Application) -> None:
    app.router.add_get("/images", page(images_page))
    app.router.add_post("/images", page(upload, multipart=True))
    pages_image_delete.setup(app)


async def images_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    query = request.query
    batch = UploadBatch(
        uploaded=id_list_param(query.get("uploaded")), existed=id_list_param(query.get("existed"))
    )
    return await _render(request, viewer, batch, deleted=int_param(query.get("deleted")))


async def upload(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    cfg = request.app[keys.CONFIG]
    batch = UploadBatch()
    parts = file_parts(request, cfg.web.max_image_bytes, max_files=cfg.web.max_images_per_schedule)
    try:
        async with contextlib.aclosing(parts):
            async for part in parts:
                viewer.check_csrf(part.fields.get(FIELD), secret_of(request))
                await store_upload(request, viewer, part, batch)
    except UploadRejected as exc:
        # the body was not read to the end: this answer closes the connection
        batch.fail(exc.message, exc.status)
    if not batch.uploaded and not batch.statuses:
        batch.fail(NO_FILE, 400)
    if not batch.statuses:  # every file stored
        return web.Response(status=303, headers={"Location": batch.location()})
    return await _render(request, viewer, batch, status=batch.status)


async def store_upload(
    request: web.Request, viewer: Viewer, part: Upload, batch: UploadBatch
) -> None:
    """Check and store one uploaded file as ``viewer``'s (on the check pool, after the files
    before it), noting the outcome in ``batch``; this page and the schedule wizard's upload
    share it."""
    if part.refused is not None:
        batch.refuse(part.filename, part.refused.message, part.refused.status)
        return
    app = request.app
    try:
        async with app[keys.SESSIONS].begin() as session:
            image, created = await images.store_image(
                session,
                data=part.data,
                original_name=part.filename,
                cfg=app[keys.CONFIG],
                admin=viewer.admin,
                at=app[keys.CLOCK].now(),
                checks=app[keys.IMAGE_CHECKS],
            )
    except ImageRejected as exc:
        batch.refuse(part.filename, str(exc), 413 if exc.code == "too_large" else 422)
        return
    batch.stored(image, created)


async def _render(
    request: web.Request,
    viewer: Viewer,
    batch: UploadBatch,
    *,
    deleted: int | None = None,
    status: int = 200,
) -> web.Response:
    cfg = request.app[keys.CONFIG]
    page_no = int_param(request.query.get("page")) or 1
    async with request.app[keys.SESSIONS]() as session:
        found, total = await image_access.page(
            session, viewer.org_ids, offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE
        )
        uses = await image_uses.uses_of(session, [image.id for image in found])
    return render(
        request,
        "images.html",
        viewer,
        status=status,
        images=found,
        uses=uses,
        status_labels=STATUS_LABELS,
        total=total,
        page=page_no,
        pages=max(1, math.ceil(total / PER_PAGE)),
        batch=batch,
        deleted=deleted,
        max_size=human_size(cfg.web.max_image_bytes),
        max_files=cfg.web.max_images_per_schedule,
        human_size=human_size,
    )


def _shown_name(filename: str | None) -> str:
    return display_name(filename, "") if filename else "(이름 없는 파일)"
