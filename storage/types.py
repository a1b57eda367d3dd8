"""Column types shared by the models: the seed's MySQL ``SET`` of weekdays, and enums that are
native ``ENUM`` on MySQL/MariaDB and checked strings on SQLite; ``datetime_text`` for reads of
many DATETIME values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Enum, SQLColumnExpression, String, cast, type_coerce
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORG_TYPES = ("headquarters", "distributor", "agency", "branch")
ROOM_TYPES = ("live", "test")
SEND_ORDERS = ("text_first", "images_first", "images_only", "text_only")
SCHEDULE_TYPES = ("once", "weekly", "daily")
SCHEDULE_STATUSES = ("active", "inactive", "completed", "error")
LOG_STATUSES = ("success", "failed", "partial")


def enum(*values: str, name: str) -> Enum:
    """A string enum: ``ENUM(...)`` on MySQL, ``VARCHAR`` + CHECK elsewhere; values are str."""
    return Enum(*values, name=name, native_enum=True, create_constraint=True, validate_strings=True)


class WeekdaySet(TypeDecorator[frozenset[str]]):
    """The seed's ``set('monday',...,'sunday')``: a MySQL SET there, a comma-separated string on
    SQLite. Python side it is a ``frozenset`` of weekday names."""

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.SET(*WEEKDAYS))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: Iterable[str] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        days = set(value)
        unknown = days - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s): {sorted(unknown)}")
        return ",".join(d for d in WEEKDAYS if d in days)

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = value.split(",")
        return frozenset(v for v in value if v)


class DateTimeText(TypeDecorator[datetime]):
    """A DATETIME read as its text and parsed by ``datetime.fromisoformat`` (``datetime_text``)."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


def datetime_text(column: SQLColumnExpression[datetime]) -> ColumnElement[datetime]:
    """``column`` (a naive DATETIME) selected as text and parsed back to the same naive value.
    For reads of many rows: PyMySQL turns a DATETIME into a ``datetime`` in pure Python, several
    times slower than fetching its text and ``datetime.fromisoformat`` (in C)."""
    return type_coerce(cast(column, String), DateTimeText())
