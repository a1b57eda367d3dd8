"""A service error as the chat reply: worded like a grammar mistake, with the schedule form's
Korean key for the field and a line the user can copy (examples valid on ``today``)."""

from __future__ import annotations

from datetime import date

from commands.grammar.errors import CommandError
from commands.grammar.form_fields import BY_NAME, example_line
from services.errors import ServiceError
from services.schedule_queries import ScheduleNotFound
from services.schedule_sends import NotATestRoom


def service_error_text(error: ServiceError, *, prefix: str, today: date) -> str:
    """``❌ 한국어키: message`` plus an ``예)`` line, e.g. ``❌ 시간: ...\\n예) 시간: 09:30``."""
    return as_command_error(error, prefix=prefix, today=today).reply_text()


def as_command_error(error: ServiceError, *, prefix: str, today: date) -> CommandError:
    if isinstance(error, ScheduleNotFound):
        return CommandError("ID", error.message, f"{prefix}스케줄 목록")
    if isinstance(error, NotATestRoom):
        return CommandError(BY_NAME["test_room"].key, error.message)
    if error.field is None:
        return CommandError(None, error.message)
    line = example_line(error.field, today)
    return CommandError(line.split(":", 1)[0], error.message, line)
