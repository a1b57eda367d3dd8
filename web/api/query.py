"""Query-string parameters and value formatting shared by the REST API's list endpoints.

A bad parameter is a 400 naming it, and a parameter given empty (``?status=``) is a bad one
unless it is free text: what the OpenAPI document forbids is refused. The seed's DATETIME
columns (naive local time) are sent as ISO 8601 with the configured zone's offset.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from core.timeutil import from_local_naive
from web.api.errors import api_error
from web.api.formats import parse_date
from web.params import MAX_ID as MAX_ID
from web.params import small_int

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
TEXT_MAX_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Page:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def envelope(self, key: str, items: list[dict[str, Any]], total: int) -> dict[str, Any]:
        return {key: items, "page": self.page, "per_page": self.per_page, "total": total}


def page_params(request: web.Request) -> Page:
    return Page(
        int_param(request, "page", 1, 1, MAX_ID),
        int_param(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = small_int(raw)
    if value is not None and low <= value <= high:
        return value
    raise _bad(name, f"{name}은(는) {low}~{high} 사이의 정수여야 합니다.")


def choice_param(request: web.Request, name: str, choices: Collection[str]) -> str | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw in choices:
        return raw
    raise _bad(name, f"{name}은(는) {', '.join(choices)} 중 하나여야 합니다.")


def bool_param(request: web.Request, name: str) -> bool:
    """``true``/``1`` or ``false``/``0``; absent is false."""
    raw = request.query.get(name, "").strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise _bad(name, f"{name}은(는) true 또는 false여야 합니다.")


def text_param(request: web.Request, name: str, max_length: int = TEXT_MAX_LENGTH) -> str | None:
    raw = request.query.get(name, "")
    if len(raw) > max_length:
        raise _bad(name, f"{name}은(는) {max_length}자 이하여야 합니다.")
    return raw.strip() or None


def date_param(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return parse_date(raw)
    except ValueError as problem:
        raise _bad(name, f"{name}: {problem}") from None


def path_id(request: web.Request, what: str) -> int:
    """The ``{id}`` of the path; anything but a positive int32 names nothing: a 404."""
    raw = request.match_info["id"]
    value = small_int(raw)
    if value is None or not 0 < value <= MAX_ID:
        raise api_error(404, "not_found", f"{what} '{raw[:20]}'을(를) 찾을 수 없습니다.", "id")
    return value


def iso(naive_local: datetime | None, tz: ZoneInfo) -> str | None:
    return None if naive_local is None else from_local_naive(naive_local, tz).isoformat()


def _bad(name: str, message: str) -> web.HTTPException:
    return api_error(400, "invalid_parameter", message, name)
