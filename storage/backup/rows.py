"""Rows as JSON values and back, shared with ``storage.archive``: datetimes, dates and times as
ISO strings, weekday sets as lists, JSON columns as the JSON text stored in the database (so
SQL NULL and JSON ``null`` stay apart)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Table, Text, column, table
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import Time

from storage.backup.format import BackupError
from storage.types import WEEKDAYS, WeekdaySet


def raw_table(source: Table) -> TableClause:
    """``source`` with its JSON columns typed as text, to copy stored JSON verbatim."""
    return table(
        source.name,
        *(column(c.name, Text() if isinstance(c.type, JSON) else c.type) for c in source.columns),
    )


def encode_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {name: _encode(value) for name, value in row.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return [day for day in WEEKDAYS if day in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def decode_row(source: Table, row: object, where: str) -> dict[str, Any]:
    """A backed-up row as insertable values; ``BackupError`` names what is wrong with it."""
    if not isinstance(row, dict):
        raise BackupError(f"{where}: a row is not an object")
    names = {c.name for c in source.columns}
    if set(row) != names:
        odd = sorted(set(row) ^ names)
        raise BackupError(f"{where}: row columns differ from the table's ({', '.join(odd)})")
    out: dict[str, Any] = {}
    for col in source.columns:
        try:
            out[col.name] = _decode(col.type, row[col.name])
        except (TypeError, ValueError):
            raise BackupError(
                f"{where}: row {row.get('id', '?')} has a bad {col.name} value"
            ) from None
    return out


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(_str(value))
    if isinstance(kind, Date):
        return date.fromisoformat(_str(value))
    if isinstance(kind, Time):
        return time.fromisoformat(_str(value))
    if isinstance(kind, WeekdaySet):
        if not isinstance(value, list) or not set(value) <= set(WEEKDAYS):
            raise ValueError("weekdays")
        return frozenset(value)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise TypeError("bool")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("int")
        return value
    if isinstance(kind, JSON | String):
        return _str(value)
    raise TypeError(f"unsupported column type {kind!r}")


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("str")
    return value
