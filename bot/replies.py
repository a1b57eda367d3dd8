"""What a member's Iris event says for engagement counting (issue 19), read strictly: its
KakaoTalk message id (``json.id``), when it was written (``json.created_at``, when sane),
and for a 답장 (``json.type`` 26) the id of the message it answers (``src_logId`` in the
attachment: a JSON number, a 64-bit long in KakaoTalk, sometimes a string). Every value is
untrusted: an id is 1 to 30 ASCII digits or it is not one. Nothing here reads the text or
the writer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.echo import written_at_of
from bot.events import ChatEvent

REPLY_TYPE = 26
_REPLY_FLAG = 16384  # KakaoTalk's flag on types, as on photos
_ID = re.compile(r"[0-9]{1,30}")
_MAX_ID_BITS = 100  # more than 30 digits anyway: refused before turning into text
PAST_LIMIT = timedelta(days=7)  # an event time further back is not believed
FUTURE_LIMIT = timedelta(minutes=10)  # nor one this far ahead of our clock


def _id_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if value < 0 or value.bit_length() > _MAX_ID_BITS:
            return None
        value = str(value)
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    return None


def message_id(event: ChatEvent) -> str | None:
    """The event's KakaoTalk message id (``json.id``), None when absent or malformed."""
    log = event.raw.get("json") if isinstance(event.raw, Mapping) else None
    return _id_text(log.get("id")) if isinstance(log, Mapping) else None


def written_at(event: ChatEvent, now: datetime) -> datetime:
    """When the message was written (aware UTC): its ``json.created_at`` when that lies
    within ``PAST_LIMIT`` before and ``FUTURE_LIMIT`` after ``now`` (aware), else ``now``."""
    log = event.raw.get("json") if isinstance(event.raw, Mapping) else None
    at = written_at_of(log.get("created_at")) if isinstance(log, Mapping) else None
    if at is None or not now - PAST_LIMIT <= at <= now + FUTURE_LIMIT:
        return now
    return at


def is_reply(event: ChatEvent) -> bool:
    """A KakaoTalk 답장 (``json.type`` 26, with or without the 16384 flag)."""
    try:
        code = int(event.message_type)
    except ValueError:
        return False
    return code & ~_REPLY_FLAG == REPLY_TYPE


def replied_to(event: ChatEvent) -> str | None:
    """The message id a 답장 answers (``src_logId``), None for any other event or a value
    that is not a plain id."""
    if not is_reply(event):
        return None
    return _id_text(event.attachments.get("src_logId"))
