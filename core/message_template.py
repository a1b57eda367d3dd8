"""Per-room variables in a schedule's message text: ``{지점명}``, ``{방이름}``, ``{날짜}``,
``{요일}``, ``{시간}``.

Whitelist substitution only: an admin's text is never handed to a template engine (Jinja's
sandbox has a history of escapes). ``{{`` and ``}}`` write a literal brace. When a schedule is
saved, ``check`` refuses a variable that is not on the list (naming it) and a lone brace;
at send time ``render`` is lenient, because the PHP site writes rows that never met ``check``:
there an unknown ``{word}`` and a lone brace are sent as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

ORG_NAME = "지점명"
ROOM_NAME = "방이름"
DATE = "날짜"
WEEKDAY = "요일"
TIME = "시간"
VARIABLES = (ORG_NAME, ROOM_NAME, DATE, WEEKDAY, TIME)

_WEEKDAYS = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]{0,30})\}|[{}]")


class TemplateError(ValueError):
    """The text is not a valid template; the message is Korean and names the problem."""


@dataclass(frozen=True, slots=True)
class Scene:
    """Where and when one text is sent: what the variables stand for."""

    org_name: str | None  # the org that owns the room; None: unknown, kept as written
    room_name: str | None  # None: an unregistered room, ``{방이름}`` kept as written
    moment: datetime  # the send time, local

    def values(self) -> dict[str, str]:
        values = {
            DATE: f"{self.moment.month}월 {self.moment.day}일",
            WEEKDAY: _WEEKDAYS[self.moment.weekday()],
            TIME: f"{self.moment:%H:%M}",
        }
        if self.org_name is not None:
            values[ORG_NAME] = self.org_name
        if self.room_name is not None:
            values[ROOM_NAME] = self.room_name
        return values


def uses_variables(text: str) -> bool:
    """Whether ``text`` needs rendering at all (the common case, no brace, is fast)."""
    return "{" in text or "}" in text


def variables_in(text: str) -> list[str]:
    """The variable names ``text`` uses, in order of first use (known or not)."""
    names: list[str] = []
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name is not None and name.strip() not in names:
            names.append(name.strip())
    return names


def check(text: str) -> None:
    """``TemplateError`` for an unknown variable or a lone brace in ``text``."""
    for match in _TOKEN.finditer(text):
        piece, name = match.group(0), match.group(1)
        if piece in ("{{", "}}"):
            continue
        if name is None:
            raise TemplateError(
                f"짝이 없는 중괄호 '{piece}'가 있습니다. 글자 그대로 쓰려면 "
                f"'{piece}{piece}'처럼 두 번 적어 주세요."
            )
        if name.strip() not in VARIABLES:
            known = ", ".join("{" + v + "}" for v in VARIABLES)
            raise TemplateError(
                f"알 수 없는 변수 {{{name}}}가 있습니다. 쓸 수 있는 변수: {known} "
                "(중괄호를 글자 그대로 쓰려면 {{ }})"
            )


def render(text: str, scene: Scene | Mapping[str, str]) -> str:
    """``text`` with each known variable replaced and ``{{``/``}}`` made single braces;
    anything else (an unknown ``{word}``, a lone brace) is kept as written."""
    if not uses_variables(text):
        return text
    values = scene.values() if isinstance(scene, Scene) else scene

    def one(match: re.Match[str]) -> str:
        piece, name = match.group(0), match.group(1)
        if piece == "{{":
            return "{"
        if piece == "}}":
            return "}"
        if name is not None and name.strip() in values:
            return values[name.strip()]
        return piece

    return _TOKEN.sub(one, text)
