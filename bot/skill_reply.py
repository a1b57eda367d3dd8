"""Kakao i Open Builder skill responses (shared/protocols/kakao-skill.md).

The HTTP response body is the reply, so it must respect the spec's limits: ``version``
"2.0", 1 to 3 outputs, ``simpleText`` at most 1000 characters, at most 10 quick replies
with labels of at most 14 characters. A long text is split at line boundaries into up to
three ``simpleText`` outputs; what still does not fit is cut, and the last output ends
with ``TRUNCATED_HINT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_TEXT = 1000
MAX_OUTPUTS = 3
MAX_QUICK_REPLIES = 10
MAX_LABEL = 14
TRUNCATED_HINT = "… (이하 생략, 전체 내용은 웹에서 확인하세요)"
PROCESSING_TEXT = "처리 중입니다... 잠시 후 다시 확인해 주세요."
CALLBACK_TEXT = "처리 중입니다. 끝나면 바로 알려 드릴게요."


def skill_reply(text: str, quick_replies: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """A reply of ``simpleText`` outputs plus ``(label, messageText)`` quick replies.

    Quick replies past the tenth are dropped; long labels are shortened with "…".
    """
    chunks = _chunks(text, MAX_TEXT)
    if not chunks:
        raise ValueError("a skill reply needs some text")
    if len(chunks) > MAX_OUTPUTS:
        room = MAX_TEXT - len(TRUNCATED_HINT) - 1
        last = _chunks(chunks[MAX_OUTPUTS - 1], room)[0]
        chunks = [*chunks[: MAX_OUTPUTS - 1], f"{last}\n{TRUNCATED_HINT}"]
    template: dict[str, Any] = {"outputs": [{"simpleText": {"text": c}} for c in chunks]}
    if quick_replies:
        template["quickReplies"] = [
            {"label": _label(label), "action": "message", "messageText": message}
            for label, message in quick_replies[:MAX_QUICK_REPLIES]
        ]
    return {"version": "2.0", "template": template}


def processing_reply() -> dict[str, Any]:
    """A short immediate answer for work that cannot finish within Kakao's 5 seconds."""
    return skill_reply(PROCESSING_TEXT)


def callback_reply() -> dict[str, Any]:
    """The immediate answer that promises a callback (Kakao then waits for one POST of a
    normal reply to the request's ``callbackUrl``)."""
    return {"version": "2.0", "useCallback": True, "data": {"text": CALLBACK_TEXT}}


def _label(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _chunks(text: str, limit: int) -> list[str]:
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
