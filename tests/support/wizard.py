"""Driving the schedule wizard as a browser without JavaScript does: read the page's
``form.wizard`` (the values a browser would send: hidden and typed inputs, checked boxes,
selected options, textareas), change some fields, press a button."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import FormData

from tests.support.pages import Site

_SENT_TYPES = {"hidden", "text", "number", "date", "time", "datetime-local", ""}


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.action = ""
        self.step = ""
        self._in_form = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "wizard" in a.get("class", "").split():
            self._in_form = True
            self.action = a["action"]
            self.step = a["data-step"]
            return
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "")
            if kind in _SENT_TYPES or (kind in ("checkbox", "radio") and "checked" in a):
                self.pairs.append((name, a.get("value", "on" if kind else "")))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.pairs.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.pairs.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.pairs.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


@dataclass
class WizardPage:
    status: int
    html: str
    location: str | None = None
    pairs: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    step: str = ""

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.pairs if n == name]

    def error(self, name: str) -> str | None:
        found = re.search(rf'id="error-{name}">([^<]*)<', self.html)
        return found.group(1) if found else None

    def picked(self) -> list[int]:
        """The ids of ``ol.picked > li`` in order."""
        block = self.html.split('<ol class="picked">', 1)
        if len(block) < 2:
            return []
        return [int(i) for i in re.findall(r'<li data-id="(\d+)"', block[1].split("</ol>", 1)[0])]

    def next_times(self) -> list[str]:
        block = self.html.split('<ol class="next-times">', 1)
        if len(block) < 2:
            return []
        return [t.strip() for t in re.findall(r"<li>([^<]*)</li>", block[1].split("</ol>")[0])]


def read(status: int, html: str, location: str | None = None) -> WizardPage:
    reader = _FormReader()
    reader.feed(html)
    return WizardPage(status, html, location, reader.pairs, reader.action, reader.step)


async def open_page(site: Site, path: str) -> WizardPage:
    status, html = await site.get(path)
    return read(status, html)


async def press(
    site: Site,
    page: WizardPage,
    button: tuple[str, str] = ("go", "next"),
    files: list[tuple[str, bytes]] | None = None,
    drop: tuple[str, ...] = (),
    **changes: Any,
) -> WizardPage:
    """Submit ``page``'s form with ``changes`` (a list for a repeated field) and ``button``;
    ``drop`` leaves fields out (e.g. the CSRF token)."""
    pairs = [(n, v) for n, v in page.pairs if n not in changes and n not in drop]
    for name, value in changes.items():
        pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    pairs.append(button)
    form = FormData()
    for name, value in pairs:
        form.add_field(name, value)
    for filename, data in files or []:
        form.add_field("file", data, filename=filename, content_type="image/png")
    status, html, location = await site.post(page.action, form)
    return read(status, html, location)
