"""Set-based writes: many rows per statement on both backends.

pymysql runs an ``executemany`` UPDATE as one round trip per row, and SQLAlchemy inserts
one row at a time on SQLite when asked for the new ids in order; these helpers avoid both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

_CHUNK = 500


async def insert_ids(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], *, mysql: bool
) -> list[int]:
    """Insert ``rows``; their new ids, in order."""
    if not rows:
        return []
    if mysql:  # batched: MySQL's auto-increment works as the ordering sentinel
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list((await session.execute(stmt, rows)).scalars())
    # SQLite: the transaction holds the database's write lock (BEGIN IMMEDIATE), so the rows
    # just inserted are the table's last ones, numbered in the order they were given.
    await session.execute(insert(table), rows)
    newest = select(table.c.id).order_by(table.c.id.desc()).limit(len(rows))
    return sorted((await session.execute(newest)).scalars())


async def update_rows(
    session: AsyncSession,
    table: Table,
    values: Mapping[int, Mapping[str, Any]],
    **fixed: Any,
) -> None:
    """Set each row's own ``values`` (keyed by id; every row names the same columns) and the
    ``fixed`` ones, in one statement per chunk of rows: a column whose value differs between
    rows is written as ``CASE id WHEN ... END``.

    A CASE's size is part of the statement's shape, so it is padded to a power of two (the
    last row repeated, which changes nothing): statements then come from SQLAlchemy's
    compiled cache instead of being compiled anew for every batch size."""
    ids = list(values)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        columns: dict[str, Any] = dict(fixed)
        for name in values[chunk[0]]:
            column = {row_id: values[row_id][name] for row_id in chunk}
            distinct = set(map(repr, column.values()))
            first = column[chunk[0]]
            columns[name] = first if len(distinct) == 1 else _case(table, column)
        await session.execute(update(table).where(table.c.id.in_(chunk)).values(**columns))


def _case(table: Table, column: dict[int, Any]) -> Any:
    """``CASE id WHEN ... END`` for ``column`` (id -> value), padded to a power of two."""
    whens = list(column.items())
    whens += whens[-1:] * ((1 << (len(whens) - 1).bit_length()) - len(whens))
    return case(*cast(list[tuple[Any, Any]], whens), value=table.c.id)
