"""Image routes: the REST API under ``/api/images`` (bearer token) and ``GET /images/{filename}``
serving the stored files that ``file_url`` points at (without login: Iris and KakaoTalk fetch
them). Those names are unguessable (the content digest) but the pictures are private: browsers
may keep them, shared caches and search engines may not.

An admin sees and deletes the images owned by its org's subtree (headquarters: all).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from services import images as image_access
from services.permissions import visible_org_ids
from storage import images
from storage.image_check import ImageRejected
from storage.kbot_models import Admin, Image
from web import keys
from web.api.auth import require_admin
from web.api.errors import api_error
from web.api.query import page_params, path_id
from web.json_out import json_response
from web.upload import UploadRejected, read_file_field

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": "inline",
    # the name is the content digest, so a copy never goes stale; private: no shared caches
    "Cache-Control": "private, max-age=86400, immutable",
    "X-Robots-Tag": "noindex",
}


def setup_image_routes(app: web.Application) -> None:
    app.router.add_post("/api/images", upload_image)
    app.router.add_get("/api/images", list_images)
    app.router.add_get("/api/images/{id}", get_image)
    app.router.add_delete("/api/images/{id}", delete_image)


def setup_image_files(app: web.Application) -> None:
    """``GET /images/{filename}``: not an API route (no JSON errors), a file for pages too."""
    app.router.add_get("/images/{filename}", serve_image_file)


def image_dict(image: Image) -> dict[str, Any]:
    """The seed's section 3.3 fields plus width, height and sha256."""
    return {
        **images.image_entry(image),
        "width": image.width,
        "height": image.height,
        "sha256": image.sha256,
    }


async def upload_image(request: web.Request) -> web.Response:
    """``POST /api/images`` (multipart, field ``file``): 201 with the new image, 200 with the
    existing one when the same bytes were uploaded before."""
    admin = await require_admin(request)
    app = request.app
    cfg = app[keys.CONFIG]
    async with app[keys.SESSIONS]() as session:
        if await visible_org_ids(session, admin) == set():
            raise _inactive()
    data, name = await _read_file_field(request, cfg.web.max_image_bytes)
    try:
        async with app[keys.SESSIONS].begin() as session:
            image, created = await images.store_image(
                session,
                data=data,
                original_name=name,
                cfg=cfg,
                admin=admin,
                at=app[keys.CLOCK].now(),
                checks=app[keys.IMAGE_CHECKS],
            )
    except ImageRejected as exc:
        status = 413 if exc.code == "too_large" else 422
        raise api_error(status, exc.code, str(exc), exc.field) from None
    return json_response(image_dict(image), status=201 if created else 200)


async def list_images(request: web.Request) -> web.Response:
    """``GET /api/images?page=&per_page=``: the images the actor may see, newest first."""
    admin = await require_admin(request)
    page = page_params(request)
    async with request.app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
        found, total = await image_access.page(
            session, org_ids, offset=page.offset, limit=page.per_page
        )
    return json_response(page.envelope("images", [image_dict(i) for i in found], total))


async def get_image(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    async with request.app[keys.SESSIONS]() as session:
        image = await _visible_image(session, admin, path_id(request, "이미지"))
    return json_response(image_dict(image))


async def delete_image(request: web.Request) -> web.Response:
    """``DELETE /api/images/{id}``: 409 while a schedule that may still send it (active,
    inactive, error: ``storage.image_uses``) names it in ``message_images``."""
    admin = await require_admin(request)
    app = request.app
    async with app[keys.SESSIONS].begin() as session:
        image = await _visible_image(session, admin, path_id(request, "이미지"))
        stored = await images.delete_image(session, image, admin=admin, at=app[keys.CLOCK].now())
    images.remove_file(stored)
    return json_response({"deleted": True, "id": image.id})


async def serve_image_file(request: web.Request) -> web.StreamResponse:
    """``GET /images/{filename}``: only generated names, only from ``web.upload_dir``."""
    filename = request.match_info["filename"]
    path = images.stored_path(request.app[keys.CONFIG], filename)
    if path is None or not path.is_file():
        raise web.HTTPNotFound()
    ext = filename.rsplit(".", 1)[1]
    return web.FileResponse(path, headers={**FILE_HEADERS, "Content-Type": CONTENT_TYPES[ext]})


async def _visible_image(session: AsyncSession, admin: Admin, image_id: int) -> Image:
    """The image, when the admin may see it; another org's image is 404 like a missing one."""
    org_ids = await visible_org_ids(session, admin)
    if org_ids == set():
        raise _inactive()
    image = await image_access.visible(session, org_ids, image_id)
    if image is None:
        raise api_error(
            404, "not_found", f"이미지 #{image_id}이(가) 없거나 볼 권한이 없습니다.", "id"
        )
    return image


def _inactive() -> web.HTTPException:
    return api_error(403, "forbidden", "관리자 계정이나 소속 조직이 비활성 상태라 권한이 없습니다.")


async def _read_file_field(request: web.Request, limit: int) -> tuple[bytes, str | None]:
    try:
        upload = await read_file_field(request, limit)
    except UploadRejected as exc:
        raise api_error(exc.status, exc.code, exc.message, exc.field) from None
    return upload.data, upload.filename
