"""Parsing the web pages' query and form parameters: anything malformed counts as absent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

from web.api.formats import parse_date
from web.params import MAX_ID, small_int


def int_param(raw: object, *, low: int = 1, high: int = MAX_ID) -> int | None:
    value = small_int(raw) if isinstance(raw, str) else None
    return value if value is not None and low <= value <= high else None


def id_list_param(raw: object, *, max_items: int = 50) -> list[int]:
    """``3,5,7`` as ids; malformed items are left out."""
    if not isinstance(raw, str):
        return []
    ids = (int_param(item) for item in raw.split(",", max_items)[:max_items])
    return [i for i in ids if i is not None]


def choice_param(raw: object, choices: tuple[str, ...]) -> str | None:
    return raw if isinstance(raw, str) and raw in choices else None


def text_param(raw: object, *, max_length: int = 100) -> str | None:
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    return raw if raw and len(raw) <= max_length else None


def date_param(raw: object) -> date | None:
    """A date in the API's format and years (9999-12-31 has no day after it to filter to)."""
    if not isinstance(raw, str):
        return None
    try:
        return parse_date(raw)
    except ValueError:
        return None


def query_string(params: Mapping[str, object], keys: tuple[str, ...]) -> str:
    """``?a=1&b=2`` with only ``keys`` that have a value, or ``""``."""
    kept = {k: v for k in keys if isinstance(v := params.get(k), str) and v}
    return "?" + urlencode(kept) if kept else ""
