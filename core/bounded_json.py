"""Decoding JSON from outside with its nesting bounded.

``json.loads`` recurses once per array or object level, so a body of 100,000 ``[`` ends in
``RecursionError``, which no caller expects (and code walking a decoded value recurses too).
``loads`` measures the nesting first, without recursion and at the speed of ``re``, and
refuses text nested deeper than ``max_depth``. Every refusal is a ``ValueError``, as for any
other bad JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_MAX_DEPTH = 32  # arrays and objects inside each other; webhook bodies need about 6

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


class TooDeep(ValueError):
    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def loads(data: str | bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``json.loads`` for text nested at most ``max_depth`` levels; ``TooDeep`` beyond, and
    ``json.JSONDecodeError`` / ``UnicodeDecodeError`` for text that is not JSON."""
    if isinstance(data, str):
        text = data
    else:  # what json.loads does with bytes: UTF-8, -16 or -32, by the first bytes
        text = data.decode(json.detect_encoding(data), "surrogatepass")
    check_depth(text, max_depth)
    return json.loads(text)


def check_depth(text: str, max_depth: int) -> None:
    """Raise unless the arrays and objects of ``text`` nest at most ``max_depth`` deep.

    Brackets inside strings do not count; every pass removes the innermost ``[]``/``{}``
    pairs, so text of depth d is empty after d passes. A run of more than ``max_depth``
    openers ends the count at once (the usual shape of a hostile body)."""
    outside_strings = _STRING.sub("", text).encode("utf-8", "surrogatepass")
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    too_many_openers = re.compile(rb"[\[{]{%d}" % (max_depth + 1))
    for _ in range(max_depth):
        if not brackets:
            return
        if too_many_openers.search(brackets):
            raise TooDeep(max_depth)
        brackets, removed = _INNERMOST_PAIR.subn(b"", brackets)
        if not removed:
            raise json.JSONDecodeError("unbalanced brackets", text, 0)
    if brackets:
        raise TooDeep(max_depth)
