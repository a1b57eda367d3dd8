"""Cutting long texts into chat-sized pieces at line boundaries, shared by every way a reply
leaves kbot (Iris messages, skill outputs), so no door posts a message longer than a chat
shows or more messages than a command deserves."""

from __future__ import annotations

from collections.abc import Iterable

TRUNCATED_HINT = "… (이하 생략, 전체 내용은 웹에서 확인하세요)"


def fit(texts: Iterable[str], limit: int, max_pieces: int) -> list[str]:
    """``texts`` cut into pieces of at most ``limit`` characters, in order, at most
    ``max_pieces`` of them; when something had to be left out, the last piece ends with
    ``TRUNCATED_HINT``."""
    pieces = [piece for text in texts for piece in chunks(text, limit)]
    if len(pieces) <= max_pieces:
        return pieces
    room = limit - len(TRUNCATED_HINT) - 1
    last = chunks(pieces[max_pieces - 1], room)[0]
    return [*pieces[: max_pieces - 1], f"{last}\n{TRUNCATED_HINT}"]


def chunks(text: str, limit: int) -> list[str]:
    """Pack whole lines into pieces of at most ``limit`` characters, in order.

    A line longer than ``limit`` is split, at a space when one is near the end.
    Blank lines at a piece's edges are dropped; blank pieces vanish.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = -1  # len("\n".join(current))
    for line in text.split("\n"):
        for part in _split_line(line, limit):
            if current and size + 1 + len(part) > limit:
                pieces.append("\n".join(current))
                current, size = [], -1
            current.append(part)
            size += 1 + len(part)
    pieces.append("\n".join(current))
    return [stripped for piece in pieces if (stripped := piece.strip("\n")).strip()]


def _split_line(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", limit // 2, limit + 1)
        cut = cut if cut > 0 else limit
        parts.append(line[:cut])
        line = line[cut:].lstrip(" ")
    parts.append(line)
    return parts
