"""Which uploaded images an admin may see and use: the one answer for every door (the
``/images`` page and its delete page, ``/api/images``, the schedule form's 이미지 field).

An image belongs to the org that uploaded it (``kbot_images.org_id``). An admin who sees
``org_ids`` (``services.permissions.visible``; None: headquarters, everything):

- sees, and may delete, the images owned by those orgs; an image no org owns (written by
  SQL, never by an upload) is headquarters' only, like an unregistered room;
- may put in a schedule every image it sees and, in addition, an image no org owns: such
  an image is shared, and the scheduler sends it for any creator org
  (``scheduler.room_access``, which checks the same ownership at send time on its own
  batch-loaded copy of the org tree).

An image the admin may not see is answered as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.permissions import reaches
from storage.kbot_models import Image


def sees(org_ids: set[int] | None, owner_org_id: int | None) -> bool:
    """Whether an admin who sees ``org_ids`` may see (and delete) an image owned by
    ``owner_org_id`` (None: no org)."""
    return reaches(org_ids, owner_org_id)


def may_use(org_ids: set[int] | None, owner_org_id: int | None) -> bool:
    """Whether such an admin may put the image in a schedule."""
    return owner_org_id is None or sees(org_ids, owner_org_id)


def _visible(query: Select, org_ids: set[int] | None) -> Select:
    return query if org_ids is None else query.where(Image.org_id.in_(org_ids))


async def page(
    session: AsyncSession, org_ids: set[int] | None, *, offset: int, limit: int
) -> tuple[list[Image], int]:
    """One page of the images ``org_ids`` may see, newest first, and how many there are."""
    total = await session.scalar(_visible(select(func.count()).select_from(Image), org_ids))
    query = _visible(select(Image), org_ids).order_by(Image.id.desc()).offset(offset).limit(limit)
    return list(await session.scalars(query)), total or 0


async def visible(session: AsyncSession, org_ids: set[int] | None, image_id: int) -> Image | None:
    """The image ``image_id`` when ``org_ids`` may see it; None when it is missing or not."""
    image = await session.get(Image, image_id)
    return image if image is not None and sees(org_ids, image.org_id) else None


async def usable(
    session: AsyncSession, org_ids: set[int] | None, ids: Collection[int]
) -> dict[int, Image]:
    """Those of the images ``ids`` that ``org_ids`` may put in a schedule, by id."""
    found = await session.scalars(select(Image).where(Image.id.in_(ids)))
    return {image.id: image for image in found if may_use(org_ids, image.org_id)}
