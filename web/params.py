"""What the REST API's and the web pages' query parameters share: the largest id (an int32,
the seed's INT columns) and reading a small decimal integer."""

from __future__ import annotations

MAX_ID = 2**31 - 1


def small_int(raw: str) -> int | None:
    """``raw`` as an int when it is at most 10 ASCII digits (``int()`` refuses strings of
    more than 4,300 digits with a ValueError)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None
