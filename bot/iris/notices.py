"""Recognising a KakaoTalk restriction notice sent to the bot account.

KakaoTalk tells an account it restricted in a 1:1 chat from its system account "카카오톡".
What is recognised, conservatively so that no group member can pause the bot by typing the
word: an Iris event that is not the bot's own, whose sender is named exactly "카카오톡", in a
room that looks like a 1:1 chat (``ChatEvent.looks_direct``: named after that sender), whose
text contains 보호조치, "이용이 제한" or "운영정책". Anything else is not a notice.
"""

from __future__ import annotations

from bot.events import ChatEvent

KAKAO_SENDER = "카카오톡"
NOTICE_WORDS = ("보호조치", "이용이 제한", "운영정책")
QUOTE_CHARS = 80


def restriction_notice(event: ChatEvent) -> str | None:
    """The Korean pause reason when ``event`` is a restriction notice (module rule), else
    None."""
    if event.source != "iris" or event.is_mine:
        return None
    if event.sender_name.strip() != KAKAO_SENDER or not event.looks_direct:
        return None
    if not any(word in event.text for word in NOTICE_WORDS):
        return None
    quote = " ".join(event.text.split())
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1] + "…"
    return f"1:1 채팅에 카카오톡 이용 제한 안내가 왔습니다 (“{quote}”)"
