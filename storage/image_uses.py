"""Which schedules still use an image: those that may still send it (active, inactive or
error) and whose ``message_images`` name it. A completed schedule sends nothing more, so it
no longer holds its images: they may be deleted (its log rows keep what was sent).

``message_images`` is read as the PHP site may have written it (a JSON string, string ids,
stray entries), so the rows are scanned here rather than matched in SQL.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Schedule

# kb_schedule statuses that may still send (a completed schedule never does again)
MAY_STILL_SEND = ("active", "inactive", "error")


@dataclass(frozen=True, slots=True)
class ImageUse:
    """A schedule that may still send an image: its id and ``status``."""

    schedule_id: int
    status: str


async def uses_of(session: AsyncSession, wanted_ids: Collection[int]) -> dict[int, list[ImageUse]]:
    """For each of ``wanted_ids`` that is used, the ``kb_schedule`` rows that may still send
    it (``MAY_STILL_SEND``) and whose ``message_images`` mention it, by id. A completed
    schedule sends nothing more, so it no longer holds its images."""
    wanted = set(wanted_ids)
    rows = await session.execute(
        select(Schedule.id, Schedule.status, Schedule.message_images)
        .where(Schedule.message_images.is_not(None), Schedule.status.in_(MAY_STILL_SEND))
        .order_by(Schedule.id)
    )
    found: dict[int, list[ImageUse]] = {}
    for sid, status, value in rows:
        for image_id in set(image_ids(value)) & wanted:
            found.setdefault(image_id, []).append(ImageUse(sid, str(status)))
    return found


async def schedules_using(session: AsyncSession, image_id: int) -> list[int]:
    """Ids of the schedules that may still send ``image_id`` (see ``uses_of``)."""
    return [use.schedule_id for use in (await uses_of(session, [image_id])).get(image_id, [])]


def image_ids(value: object) -> list[int]:
    """The image ids of a stored ``message_images`` value, in sending order, tolerating what
    the PHP site (or SQL) may have written: a JSON string, a bare list, string ids, stray
    entries. The one reader of that column for everything but sending."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    entries = value.get("images") if isinstance(value, dict) else value
    ids: list[int] = []
    if not isinstance(entries, list):
        return ids
    for entry in entries:
        raw = entry.get("id") if isinstance(entry, dict) else None
        with contextlib.suppress(TypeError, ValueError):
            ids.append(int(raw))  # type: ignore[arg-type]
    return ids
