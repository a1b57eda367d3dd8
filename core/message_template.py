"""Per-room variables in a schedule's message text: ``{지점명}``, ``{방이름}``, ``{날짜}``,
``{요일}``, ``{시간}``.

Whitelist substitution only: an admin's text is never handed to a template engine (Jinja's
sandbox has a history of escapes). ``{{`` and ``}}`` write a literal brace. When a schedule is
saved, ``check`` refuses a variable that is not on the list (naming it) and a lone brace;
at send time ``render`` is lenient, because the PHP site writes rows that never met ``check``:
there an unknown ``{word}`` and a lone brace are sent as written.

``{링크:URL}`` is a link whose clicks are counted: at send time it becomes the room's short
link (``links``: URL -> ``public_url/r/<code>``, made by the caller); ``check`` refuses a URL
that ``core.link_url`` does not accept and more than ``MAX_LINKS`` links, ``render`` sends
such a token as written (it never becomes a link).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.link_url import MAX_LINKS, url_problem

ORG_NAME = "지점명"
ROOM_NAME = "방이름"
DATE = "날짜"
WEEKDAY = "요일"
TIME = "시간"
VARIABLES = (ORG_NAME, ROOM_NAME, DATE, WEEKDAY, TIME)
LINK = "링크"  # {링크:URL}

_WEEKDAYS = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
# group "url": a link's URL (its length is checked, not limited here); "name": a variable's
_TOKEN = re.compile(r"\{\{|\}\}|\{\s*링크\s*:(?P<url>[^{}\n]*)\}|\{(?P<name>[^{}\n]{0,30})\}|[{}]")


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
        name = match.group("name")
        if name is not None and name.strip() not in names:
            names.append(name.strip())
    return names


def links_in(text: str) -> list[str]:
    """The URLs of the well-formed ``{링크:URL}`` tokens of ``text``, each once, in order
    (a malformed one is left out: it is sent as written)."""
    urls: list[str] = []
    for match in _TOKEN.finditer(text):
        url = _link_url(match)
        if url is not None and url_problem(url) is None and url not in urls:
            urls.append(url)
    return urls


def check(text: str) -> None:
    """``TemplateError`` for an unknown variable, a lone brace, a link whose URL is not
    accepted, or more than ``MAX_LINKS`` links in ``text``."""
    links = 0
    for match in _TOKEN.finditer(text):
        piece, url, name = match.group(0), _link_url(match), match.group("name")
        if piece in ("{{", "}}"):
            continue
        if url is not None:
            problem = url_problem(url)
            if problem is not None:
                shown = url if len(url) <= 60 else url[:57] + "..."
                raise TemplateError(f"링크 {{{LINK}:{shown}}}를 쓸 수 없습니다. {problem}")
            links += 1
            if links > MAX_LINKS:
                raise TemplateError(
                    f"링크({{{LINK}:주소}})는 한 내용에 {MAX_LINKS}개까지 쓸 수 있습니다."
                )
            continue
        if name is None:
            raise TemplateError(
                f"짝이 없는 중괄호 '{piece}'가 있습니다. 글자 그대로 쓰려면 "
                f"'{piece}{piece}'처럼 두 번 적어 주세요."
            )
        if name.strip() not in VARIABLES:
            known = ", ".join("{" + v + "}" for v in VARIABLES)
            raise TemplateError(
                f"알 수 없는 변수 {{{name}}}가 있습니다. 쓸 수 있는 변수: {known}, "
                f"{{{LINK}:https://...}} (중괄호를 글자 그대로 쓰려면 {{{{ }}}})"
            )


def render(
    text: str, scene: Scene | Mapping[str, str], links: Mapping[str, str] | None = None
) -> str:
    """``text`` with each known variable replaced, each well-formed link whose URL is in
    ``links`` replaced by its short link, and ``{{``/``}}`` made single braces; anything else
    (an unknown ``{word}``, a malformed link, a lone brace) is kept as written."""
    if not uses_variables(text):
        return text
    values = scene.values() if isinstance(scene, Scene) else scene
    shorts = links or {}

    def one(match: re.Match[str]) -> str:
        piece, url, name = match.group(0), _link_url(match), match.group("name")
        if piece == "{{":
            return "{"
        if piece == "}}":
            return "}"
        if url is not None:
            return shorts[url] if url in shorts and url_problem(url) is None else piece
        if name is not None and name.strip() in values:
            return values[name.strip()]
        return piece

    return _TOKEN.sub(one, text)


def _link_url(match: re.Match[str]) -> str | None:
    url = match.group("url")
    return None if url is None else url.strip()
