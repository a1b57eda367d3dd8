"""Text that people typed (or that another system wrote into the shared tables) made safe to
store and show: no control characters (ESC sequences reach terminals through the CLI) and no
bidirectional formatting characters (U+202E and friends turn "gpj.exe" into "exe.jpg" and
make a room list lie). Joiners (U+200C, U+200D: emoji sequences, scripts) are kept."""

from __future__ import annotations

import unicodedata

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = frozenset("\u200b\u2060\ufeff")  # zero width space, word joiner, BOM
_LINE_BREAKS = frozenset("\u2028\u2029\x85")


def clean(text: str, *, multiline: bool = False) -> str:
    """``text`` without control, bidi-formatting and invisible characters. With ``multiline``
    line breaks and tabs stay (``\\r\\n`` and other line separators become ``\\n``); without
    it they become spaces."""
    text = text.replace("\r\n", "\n")
    out = []
    for ch in text:
        if ch in _LINE_BREAKS or ch in "\r\n":
            out.append("\n" if multiline else " ")
        elif ch == "\t":
            out.append("\t" if multiline else " ")
        elif ch in _BIDI or ch in _INVISIBLE or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return "".join(out)


def escape(text: str) -> str:
    """``text`` for a terminal: control, bidi and invisible characters shown as escapes
    (``\\x1b``, ``\\u202e``) instead of acting."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if ch in _BIDI or ch in _INVISIBLE or ch in _LINE_BREAKS or unicodedata.category(ch) == "Cc"
        else ch
        for ch in text
    )


_MISSPELLINGS = {"스케쥴": "스케줄"}


def respell(text: str) -> str:
    """``text`` with common misspellings of kbot's words corrected: ``스케쥴`` is ``스케줄``."""
    for wrong, right in _MISSPELLINGS.items():
        text = text.replace(wrong, right)
    return text
