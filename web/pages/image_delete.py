"""Deleting an image from ``/images``: ``GET /images/{id}/delete`` asks for confirmation
(the picture, its name, and the schedules that still use it), ``POST`` deletes it (CSRF).

The rule is ``DELETE /api/images/{id}``'s: only an image the admin may see (owned by its org's
subtree, seed 4.3; another org's image is "not found" like a missing one), and only while no
schedule that may still send uses it (``storage.image_uses``; a 409 page naming them). The
file is removed once the row's deletion has committed.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from services import images as image_access
from storage import image_uses, images
from storage.image_check import human_size
from storage.kbot_models import Image
from web import keys
from web.pages.core import PageError, Viewer, page, render
from web.pages.query import int_param
from web.pages.schedules import STATUS_LABELS

PATH = r"/images/{image_id:\d+}/delete"


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, page(confirm))
    app.router.add_post(PATH, page(delete))


async def confirm(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    async with request.app[keys.SESSIONS]() as session:
        image = await _visible(session, viewer, request)
        uses = await image_uses.uses_of(session, [image.id])
    return render(
        request,
        "image_delete.html",
        viewer,
        image=image,
        uses=uses.get(image.id, []),
        status_labels=STATUS_LABELS,
        human_size=human_size,
    )


async def delete(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    app = request.app
    async with app[keys.SESSIONS].begin() as session:
        image = await _visible(session, viewer, request)
        stored = await images.delete_image(
            session, image, admin=viewer.admin, at=app[keys.CLOCK].now()
        )
    images.remove_file(stored)
    return web.Response(status=303, headers={"Location": f"/images?deleted={image.id}"})


async def _visible(session: AsyncSession, viewer: Viewer, request: web.Request) -> Image:
    raw = request.match_info["image_id"]
    image_id = int_param(raw)
    image = (
        None if image_id is None else await image_access.visible(session, viewer.org_ids, image_id)
    )
    if image is None:
        raise PageError(
            404, "찾을 수 없습니다", f"이미지 #{raw[:12]}이(가) 없거나 볼 권한이 없습니다."
        )
    return image
