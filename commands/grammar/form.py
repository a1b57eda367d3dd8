"""The schedule form: ``key: value`` lines, ``내용:`` last with the message on the lines after.

Tolerated: ``:``, ``：`` or ``=`` between key and value; spaces and tabs anywhere; blank
lines; Korean or English keys; ``# comment`` after a value (as in the blank form) and whole
comment lines. A key with an empty value counts as not given, so a half-filled blank form
works. The message text keeps its inner line breaks; only the blank lines before it and the
whitespace after it are removed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from commands.grammar.errors import CommandError
from commands.grammar.form_fields import BY_KEY, FIELDS, MESSAGE_TEXT, FormField, example_line, hint
from commands.grammar.verbs import Action, verb_of
from core.plain_text import clean
from services.errors import quote, shorten
from services.schedule_form import ScheduleForm
from services.schedule_values import InvalidValue, squash

_SEPARATOR = re.compile(r"[:：=]")
_COMMENT = re.compile(r"(?:^|\s)#(?:\s.*)?$", re.DOTALL)
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t\u3000]*\n)+")


def parse_form(lines: list[str], *, today: date) -> ScheduleForm:
    """The form written on ``lines``; ``CommandError`` names the first bad key or value.

    ``today`` (local date) resolves ``오늘``/``내일`` and dates written without a year.
    """
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if not line.strip() or _COMMENT.fullmatch(line.strip()):
            continue
        typed_key, raw = _split(line, today)
        field = _field(typed_key, today)
        if field.name in seen:
            message = "같은 항목이 두 번 있습니다. 한 번만 적어 주세요."
            raise CommandError(field.key, message, example_line(field.name, today))
        seen.add(field.name)
        if field.name == MESSAGE_TEXT:
            text = _message_text(raw, lines[index + 1 :])
            if text:
                values[MESSAGE_TEXT] = text
            break
        value = _COMMENT.sub("", raw).strip()
        if value:
            values[field.name] = _parse_value(field, value, today)
    return ScheduleForm(**_split_times(values))


def _split_times(values: dict[str, Any]) -> dict[str, Any]:
    """``시간:`` holds one or several times: the first is the seed's ``schedule_time``, and
    ``times`` all of them when there are several."""
    times = values.get("schedule_time")
    if isinstance(times, tuple):
        values["schedule_time"] = times[0]
        if len(times) > 1:
            values["times"] = times
    return values


def _split(line: str, today: date) -> tuple[str, str]:
    separator = _SEPARATOR.search(line)
    if separator is None or not line[: separator.start()].strip():
        raise CommandError(
            "양식",
            f"{quote(line)} 줄을 알아볼 수 없습니다. 한 줄에 '항목: 값'으로 적고, "
            "보낼 메시지는 '내용:' 다음 줄부터 적어 주세요.",
            example_line("schedule_time", today),
        )
    return line[: separator.start()].strip(), line[separator.end() :]


def _field(typed_key: str, today: date) -> FormField:
    field = BY_KEY.get(squash(typed_key))
    if field is None:
        keys = ", ".join(field.key for field in FIELDS)
        raise CommandError(
            shorten(typed_key, 20),
            f"알 수 없는 항목입니다. 쓸 수 있는 항목: {keys}",
            example_line("title", today),
        )
    return field


def _parse_value(field: FormField, value: str, today: date) -> object:
    try:
        return field.parse(value, today)
    except InvalidValue as problem:
        raise CommandError(field.key, str(problem), example_line(field.name, today)) from None


def _message_text(same_line: str, following: list[str]) -> str:
    text = clean("\n".join([same_line.lstrip(), *following]), multiline=True)
    return _LEADING_BLANK_LINES.sub("", text).rstrip()


def blank_form(prefix: str, today: date) -> str:
    """The blank form the bot sends for a bare create command, ready to copy and fill in;
    its examples are valid on ``today`` (local date)."""
    create = verb_of(Action.SCHEDULE_CREATE)
    lines = [f"{prefix}{create.korean}"]
    for field in FIELDS:
        if field.name == MESSAGE_TEXT:
            lines += [f"# {hint(field, today, prefix)}", f"{field.key}:"]
        else:
            lines.append(f"{field.key}:    # {hint(field, today, prefix)}")
    return "\n".join(lines)
