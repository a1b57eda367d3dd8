"""The bot's own messages coming back through the Iris webhook: the delivery receipts.

Iris forwards every message of the bot's account too (``isMine`` true, ``user_id`` the bot's
id). ``echo_of`` turns such an event into an ``Echo``: the room, whether it is a text or a
photo, the hash of the normalised text (``text_key``), KakaoTalk's message id and when it was
written. Only an event whose sender is the bot counts: an ``isMine`` claim from another user
id is a forgery and yields None. A photo echo without a remote URL in its attachment is a
failed upload (``uploaded`` False): it confirms nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.events import ChatEvent

PHOTO_TYPES = frozenset({"2", "27"})  # photo, several photos (also with the 16384 flag)
_PHOTO_FLAG = 16384
_TRAILING = re.compile(r"[ \t\u00a0\u3000]+$", re.MULTILINE)
_ECHO_ID = re.compile(r"[0-9]{1,30}")


@dataclass(frozen=True, slots=True)
class Echo:
    room_id: str
    kind: Literal["text", "image"]
    text_key: str | None  # text: hash of the normalised text; image: None
    echo_id: str  # KakaoTalk's message id (json.id)
    written_at: datetime | None  # json.created_at (aware UTC), when present
    uploaded: bool  # image: the attachment has a remote URL; text: True


def normalise(text: str) -> str:
    """Text as KakaoTalk echoes it: NFC, CRLF/CR as LF, trailing blanks of every line and
    trailing blank lines dropped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _TRAILING.sub("", text).rstrip("\n")


def text_key(text: str) -> str:
    """The key a sent text and its echo share."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def echo_of(event: ChatEvent, bot_id: str | None) -> Echo | None:
    """The receipt ``event`` carries, or None when it is not the bot's own message (or
    carries no usable message id)."""
    if event.source != "iris" or not event.is_mine or event.is_feed:
        return None
    if bot_id is not None and event.user_id != bot_id:
        return None  # "isMine" from somebody else: not a receipt
    raw_log = event.raw.get("json") if isinstance(event.raw, dict) else None
    echo_id = raw_log.get("id") if isinstance(raw_log, dict) else None
    if not isinstance(echo_id, str) or not _ECHO_ID.fullmatch(echo_id):
        return None
    written_at = written_at_of(raw_log.get("created_at") if isinstance(raw_log, dict) else None)
    if _is_photo(event.message_type):
        url = event.attachments.get("url")
        uploaded = isinstance(url, str) and url.startswith(("http://", "https://"))
        if not uploaded:
            urls = event.attachments.get("imageUrls")
            uploaded = isinstance(urls, list) and any(
                isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls
            )
        return Echo(event.room_id, "image", None, echo_id, written_at, uploaded)
    if not event.text:
        return None
    return Echo(event.room_id, "text", text_key(event.text), echo_id, written_at, True)


def _is_photo(message_type: str) -> bool:
    try:
        code = int(message_type)
    except ValueError:
        return False
    return str(code & ~_PHOTO_FLAG) in PHOTO_TYPES


def written_at_of(value: object) -> datetime | None:
    """An Iris ``json.created_at`` (Unix seconds as a digit string) as an aware UTC time."""
    if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
        return None
    return datetime.fromtimestamp(int(value), UTC)
