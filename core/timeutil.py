"""Conversions between aware datetimes (used everywhere inside kbot) and the naive values
stored in the database.

- The seed's tables (``kb_schedule``, ``kb_schedule_logs``) and image ``upload_date`` hold naive
  *local* wall time in the configured zone, because the PHP site reads them.
- kbot's own bookkeeping columns (leases, expiries, audit times) hold naive *UTC*.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_local_naive(when: datetime, tz: ZoneInfo) -> datetime:
    if when.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return when.astimezone(tz).replace(tzinfo=None)


def from_local_naive(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a stored local wall time (fold=0 for an ambiguous hour)."""
    return naive.replace(tzinfo=tz)


def to_utc_naive(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return when.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)
