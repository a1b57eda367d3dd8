"""The audit trail: who changed what, when, with the row before and after."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage.kbot_models import Admin, AuditEntry
from storage.models import Base

CLI_ACTOR = "cli"


def actor_label(admin: Admin) -> str:
    """How an admin is named in the audit trail: ``admin:12 (홍길동)``."""
    return f"admin:{admin.id} ({admin.name})"


def snapshot(row: Base) -> dict[str, Any]:
    """A JSON-safe dict of a model row's columns."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if isinstance(value, datetime | date | time):
            value = value.isoformat()
        elif isinstance(value, frozenset | set):
            value = sorted(value)
        out[column.key] = value
    return out


class Entry(TypedDict):
    """An audit entry's fields, as keywords of ``record`` and ``values`` (checked by mypy)."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: object
    before: NotRequired[dict[str, Any] | None]
    after: NotRequired[dict[str, Any] | None]
    actor_admin_id: NotRequired[int | None]


def record(session: AsyncSession, **entry: Unpack[Entry]) -> None:
    """Add one audit entry."""
    session.add(AuditEntry(**values(**entry)))


def values(**entry: Unpack[Entry]) -> dict[str, Any]:
    """An audit entry's column values (``record`` adds one; a bulk insert takes many)."""
    return {
        "at": to_utc_naive(entry["at"]),
        "actor": entry["actor"][:120],
        "actor_admin_id": entry.get("actor_admin_id"),
        "action": entry["action"],
        "entity": entry["entity"],
        "entity_id": str(entry["entity_id"]),
        "before": entry.get("before"),
        "after": entry.get("after"),
    }


async def set_columns(
    session: AsyncSession,
    row: Base,
    values: dict[str, Any],
    *,
    action: str,
    entity: str,
    entity_id: object,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> bool:
    """Set ``values`` on ``row`` and record the change with the row before and after; False,
    with nothing written or recorded, when the row holds those values already."""
    if all(getattr(row, key) == value for key, value in values.items()):
        return False
    before = snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    await session.flush()
    record(
        session,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=snapshot(row),
    )
    return True
