"""The kind of send a ``kb_schedule_logs`` row records: ``scheduled``, ``manual`` (send now)
or ``test``. The seed's log table has no such column; kbot's occurrence of the send, which
points at its log row, knows it. Every door shows it and statistics leave tests out."""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, func

from storage.kbot_models import Occurrence
from storage.models import ScheduleLog

KINDS = ("scheduled", "manual", "test")
COUNTED = ("scheduled", "manual")  # statistics and reports leave test sends out
LABELS = {"scheduled": "예약", "manual": "수동", "test": "테스트"}

Ts = TypeVarTuple("Ts")

# a row without an occurrence (written before kbot kept them, or by another system) counts
# as a scheduled send
KIND: ColumnElement[str] = func.coalesce(Occurrence.kind, "scheduled").label("kind")


def with_kind(query: Select[*Ts]) -> Select[*Ts]:
    """``query`` (over ``kb_schedule_logs``) joined to the occurrences, for ``KIND``."""
    return query.outerjoin(Occurrence, Occurrence.log_id == ScheduleLog.id)
