"""What the send path reads of an occurrence it holds and of that occurrence's schedule.

Both are read with plain Core selects of the columns named here (no ORM objects: the send
path handles thousands of them a second), and a ``Schedule`` satisfies ``SendColumns`` too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kbot_models import Occurrence
from storage.models import Schedule

_OCC = cast(Table, Occurrence.__table__)

SEND_COLUMNS = (
    Schedule.id,
    Schedule.title,
    Schedule.status,
    Schedule.created_by_type,
    Schedule.created_by_id,
    Schedule.message_text,
    Schedule.message_images,
    Schedule.send_order,
    Schedule.send_interval_seconds,
    Schedule.target_room_id,
)


class SendColumns(Protocol):
    """The columns of ``kb_schedule`` a send needs: a ``Schedule`` or a Core row of
    ``SEND_COLUMNS``."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str | None: ...
    @property
    def created_by_type(self) -> str: ...
    @property
    def created_by_id(self) -> str: ...
    @property
    def message_text(self) -> str | None: ...
    @property
    def message_images(self) -> dict[str, Any] | None: ...
    @property
    def send_order(self) -> str | None: ...
    @property
    def send_interval_seconds(self) -> int | None: ...
    @property
    def target_room_id(self) -> str: ...


@dataclass(slots=True)
class Held:
    """An occurrence leased to this worker. ``scheduled_at`` is naive local (as the seed's
    log stores it), ``started_at`` naive UTC: the reserved start, None until admitted."""

    id: int
    schedule_id: int
    kind: str
    scheduled_at: datetime
    target_room_id: str
    state: str
    started_at: datetime | None = None
    parts_done: int = 0
    attempts: int = 0
    lease_owner: str | None = None
    detail: dict[str, Any] | None = None


_HELD_COLUMNS = tuple(_OCC.c[name] for name in Held.__dataclass_fields__)


async def load_held(session: AsyncSession, ids: Collection[int]) -> list[Held]:
    """The occurrences ``ids`` as they are stored (missing ones left out)."""
    found = await session.execute(select(*_HELD_COLUMNS).where(_OCC.c.id.in_(list(ids))))
    return [Held(*row) for row in found.all()]


async def load_send_rows(session: AsyncSession, ids: Collection[int]) -> dict[int, SendColumns]:
    """The schedules ``ids`` (missing ones left out), keyed by id."""
    found = await session.execute(select(*SEND_COLUMNS).where(Schedule.id.in_(list(ids))))
    return {row.id: cast(SendColumns, row) for row in found.all()}
