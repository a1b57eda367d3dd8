"""Kakao i Open Builder skill responses (docs/kakao-skill.md).

The HTTP response body is the reply, so it must respect the spec's limits: ``version``
"2.0", 1 to 3 outputs, ``simpleText`` at most 1000 characters, at most 10 quick replies
with labels of at most 14 characters. A long text is split at line boundaries into up to
three ``simpleText`` outputs; what still does not fit is cut, and the last output ends
with ``bot.text_chunks.TRUNCATED_HINT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.text_chunks import fit

MAX_TEXT = 1000
MAX_OUTPUTS = 3
MAX_QUICK_REPLIES = 10
MAX_LABEL = 14
PROCESSING_TEXT = "처리 중입니다... 잠시 후 다시 확인해 주세요."
CALLBACK_TEXT = "처리 중입니다. 끝나면 바로 알려 드릴게요."


def skill_reply(text: str, quick_replies: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """A reply of ``simpleText`` outputs plus ``(label, messageText)`` quick replies.

    Quick replies past the tenth are dropped; long labels are shortened with "…".
    """
    chunks = fit([text], MAX_TEXT, MAX_OUTPUTS)
    if not chunks:
        raise ValueError("a skill reply needs some text")
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
