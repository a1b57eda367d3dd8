"""A service error as the chat reply: worded like a grammar mistake, with the schedule form's
Korean key for the field and a line the user can copy (examples valid on ``today``); the
access service's fields (``services.accounts``) read with the key the admin commands use."""

from __future__ import annotations

from datetime import date

from commands.grammar.errors import CommandError
from commands.grammar.form_fields import BY_NAME, example_line
from commands.grammar.verbs import Action, verb_of
from services.errors import Conflict, NotFound, ServiceError
from services.schedule_queries import ScheduleNotFound
from services.schedule_sends import NotATestRoom


def service_error_text(error: ServiceError, *, prefix: str, today: date) -> str:
    """``❌ 한국어키: message`` plus an ``예)`` line, e.g. ``❌ 시간: ...\\n예) 시간: 09:30``."""
    return as_command_error(error, prefix=prefix, today=today).reply_text()


def as_command_error(error: ServiceError, *, prefix: str, today: date) -> CommandError:
    if isinstance(error, ScheduleNotFound) or (isinstance(error, NotFound) and error.field == "id"):
        return CommandError("ID", error.message, f"{prefix}스케줄 목록")  # a schedule, a campaign
    if isinstance(error, NotATestRoom):
        return CommandError(BY_NAME["test_room"].key, error.message)
    if error.field is None:
        return CommandError(None, error.message)
    if error.field in _ACCESS_FIELDS:
        return _access_error(error, prefix)
    if error.field == "paused_until":
        return CommandError(
            "날짜", error.message, f"{prefix}{verb_of(Action.SCHEDULE_PAUSE).example}"
        )
    line = example_line(FORM_KEY_OF.get(error.field, error.field), today)
    return CommandError(line.split(":", 1)[0], error.message, line)


# form attributes written under another attribute's key (``시간:`` holds every time)
FORM_KEY_OF = {"times": "schedule_time"}

# the access service's fields: the Korean key and the command whose example fits the field
_ACCESS_FIELDS = {
    "kakao_user_id": ("카카오ID", Action.ADMIN_DEACTIVATE),
    "org": ("조직코드", Action.ADMIN_INVITE),
    "name": ("이름", Action.ADMIN_INVITE),
}


def _access_error(error: ServiceError, prefix: str) -> CommandError:
    """A value typed wrong gets the command's example; an admin not found points to the
    list of the ids one may use; a refusal of the state (oneself, the last headquarters
    admin, an inactive org) has nothing to copy."""
    key, action = _ACCESS_FIELDS[error.field or ""]
    if isinstance(error, Conflict):
        return CommandError(key, error.message)
    if isinstance(error, NotFound) and action is Action.ADMIN_DEACTIVATE:
        return CommandError(key, error.message, f"{prefix}{verb_of(Action.ADMIN_LIST).example}")
    return CommandError(key, error.message, f"{prefix}{verb_of(action).example}")
