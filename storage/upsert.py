"""Dialect-aware single-statement writes that are safe when several kbot processes write the
same key at once: ``upsert`` (SQLite ``INSERT ... ON CONFLICT DO UPDATE``, MariaDB
``INSERT ... ON DUPLICATE KEY UPDATE``) and ``insert_absent`` (SQLite ``ON CONFLICT DO
NOTHING``, MariaDB ``INSERT IGNORE``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def _sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


async def upsert(
    session: AsyncSession,
    model: Any,
    values: Mapping[str, Any],
    *,
    keys: Sequence[str],
    changes: Mapping[str, Any],
) -> None:
    """Insert ``values``, or apply ``changes`` to the row whose unique ``keys`` match (a
    change may be an expression on the stored row, e.g. ``Model.n + 1``)."""
    if _sqlite(session):
        lite = sqlite_insert(model).values(dict(values))
        await session.execute(lite.on_conflict_do_update(index_elements=keys, set_=changes))
    else:
        maria = mysql_insert(model).values(dict(values))
        await session.execute(maria.on_duplicate_key_update(dict(changes)))


async def insert_absent(session: AsyncSession, model: Any, values: Mapping[str, Any]) -> bool:
    """Insert ``values`` unless a row with the same unique key exists; whether it inserted.
    The caller checks the values' types and lengths first (MariaDB's IGNORE would also turn
    a too-long value into a warning)."""
    if _sqlite(session):
        statement: Any = sqlite_insert(model).values(dict(values)).on_conflict_do_nothing()
    else:
        statement = mysql_insert(model).values(dict(values)).prefix_with("IGNORE")
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0)) == 1
