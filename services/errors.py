"""The errors of the service layer: what a request asked for cannot be done, told in Korean.

Each names the canonical field it is about (a ``ScheduleForm`` attribute such as
``"schedule_time"``, ``"room"`` or ``"weekdays"``, ``"id"`` for the schedule asked for, or
None) and carries a Korean ``message`` saying what is wrong. Each door renders it its own
way: chat with the form's Korean key and an example line, the REST API with the JSON field
name, the web pages as an error page.
"""

from __future__ import annotations

_QUOTE_LIMIT = 40


class ServiceError(Exception):
    """A request the service refuses; ``message`` is Korean and complete."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class Invalid(ServiceError):
    """A value given is wrong, or a rule across values is broken; nothing was saved."""


class NotFound(ServiceError):
    """What was asked for does not exist, or the actor may not see it (the same answer)."""


class Conflict(ServiceError):
    """The request is fine but the current state refuses it (e.g. the target room is gone)."""


def shorten(text: str, limit: int = _QUOTE_LIMIT) -> str:
    """``text`` without outer spaces, cut to ``limit`` characters with an ellipsis."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(raw: str) -> str:
    """``raw`` in single quotes for an error message, shortened when long."""
    return f"'{shorten(raw)}'"
