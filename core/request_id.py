"""One id per event (a webhook event, an API or page request) from its arrival to its reply
and every log line about it: a context variable, inherited by the tasks the event starts, and
a logging filter that puts it on each record as ``request_id`` (``core.logs``). It is also the
error number a person may read in an apology."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar

NONE = "-"  # on log lines outside any event
_CURRENT: ContextVar[str | None] = ContextVar("request_id", default=None)


def begin() -> str:
    """A new id for the event being handled in this context (and the tasks it starts)."""
    rid = uuid.uuid4().hex[:8]
    _CURRENT.set(rid)
    return rid


def current() -> str:
    """The id of the event being handled; a new one when none is (e.g. called directly)."""
    return _CURRENT.get() or begin()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the event's id, or ``NONE``) to every record it sees, and
    ``request_tag``, what the log format shows: ``"[id] "`` for a line of an event whose
    message does not name its id already, else nothing (lines outside events stay as
    they were)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = _CURRENT.get()
        record.request_id = rid or NONE
        record.request_tag = f"[{rid}] " if rid and rid not in record.getMessage() else ""
        return True
