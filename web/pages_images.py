"""``/images``: the upload form (with a preview) and the images this admin may use, with the
ids to paste into a schedule form (``이미지: 3, 5``)."""

from __future__ import annotations

import math

from aiohttp import web

from storage import images
from storage.image_check import ImageRejected, human_size
from web import keys
from web.csrf import FIELD
from web.pages_core import Viewer, page, render, secret_of
from web.pages_query import int_param
from web.upload import UploadRejected, read_file_field

PER_PAGE = 24


def setup(app: web.Application) -> None:
    app.router.add_get("/images", page(images_page))
    app.router.add_post("/images", page(upload, multipart=True))


async def images_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    uploaded = int_param(request.query.get("uploaded"))
    return await _render(request, viewer, uploaded=uploaded, existed="existed" in request.query)


async def upload(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    app = request.app
    cfg = app[keys.CONFIG]
    try:
        sent = await read_file_field(request, cfg.web.max_image_bytes)
    except UploadRejected as exc:
        # the body was not read to the end: this answer closes the connection
        return await _render(request, viewer, error=exc.message, status=exc.status)
    viewer.check_csrf(sent.fields.get(FIELD), secret_of(request))
    try:
        async with app[keys.SESSIONS].begin() as session:
            image, created = await images.store_image(
                session,
                data=sent.data,
                original_name=sent.filename,
                cfg=cfg,
                admin=viewer.admin,
                at=app[keys.CLOCK].now(),
                checks=app[keys.IMAGE_CHECKS],
            )
    except ImageRejected as exc:
        status = 413 if exc.code == "too_large" else 422
        return await _render(request, viewer, error=str(exc), status=status)
    location = f"/images?uploaded={image.id}" + ("" if created else "&existed=1")
    return web.Response(status=303, headers={"Location": location})


async def _render(
    request: web.Request,
    viewer: Viewer,
    *,
    uploaded: int | None = None,
    existed: bool = False,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    cfg = request.app[keys.CONFIG]
    page_no = int_param(request.query.get("page")) or 1
    async with request.app[keys.SESSIONS]() as session:
        found, total = await images.list_images(
            session, org_ids=viewer.org_ids, offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE
        )
    return render(
        request,
        "images.html",
        viewer,
        status=status,
        images=found,
        total=total,
        page=page_no,
        pages=max(1, math.ceil(total / PER_PAGE)),
        uploaded=uploaded,
        existed=existed,
        error=error,
        max_size=human_size(cfg.web.max_image_bytes),
        human_size=human_size,
    )
