"""The bot's own echoes as Iris forwards them (shared/fixtures/iris/bot_own_echo.json and
photo_message.json, ``isMine`` true): what ``FakeIris`` posts back to kbot's webhook after it
answered a ``/reply`` in echo mode, and what tests post by hand (forged, duplicated, late)."""

from __future__ import annotations

import copy
import itertools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent.parent / "fixtures" / "iris"
_ids = itertools.count(3530028521861085185)
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


def kakao_text(text: str) -> str:
    """The text as KakaoTalk shows it: CRLF as LF, trailing blanks of each line dropped."""
    return _TRAILING.sub("", text.replace("\r\n", "\n")).rstrip("\n")


def echo_body(
    room: str,
    *,
    bot_id: str,
    at: datetime,
    text: str | None = None,
    image_url: str | None = "https://talk.kakaocdn.net/dna/example/img.jpg",
    echo_id: str | None = None,
) -> dict[str, Any]:
    """The webhook body of the bot's own message in ``room``: a text echo when ``text`` is
    given, else a photo echo (without a remote URL when ``image_url`` is None)."""
    name = "bot_own_echo.json" if text is not None else "photo_message.json"
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    log = body["json"]
    log_id = echo_id or str(next(_ids))
    log.update(id=log_id, _id=log_id[-9:], chat_id=room, user_id=bot_id)
    log["created_at"] = str(int(at.timestamp()))
    v = json.loads(log["v"])
    v["isMine"] = True
    log["v"] = json.dumps(v)
    if text is not None:
        body["msg"] = log["message"] = text
    else:
        attachment = {"w": 1080, "h": 1440, "mt": "image/jpeg"}
        if image_url is not None:
            attachment["url"] = image_url
        log["attachment"] = json.dumps(attachment)
    body["sender"] = "도매까봇"
    return body


def forged(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    """``body`` claiming ``isMine`` from another user id."""
    other = copy.deepcopy(body)
    other["json"]["user_id"] = user_id
    other["json"]["id"] = str(next(_ids))
    return other


def _member_body(
    name: str, room: str, *, user_id: str, at: datetime, message_id: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    log = body["json"]
    log_id = message_id or str(next(_ids))
    log.update(id=log_id, _id=log_id[-9:], chat_id=room, user_id=user_id)
    log["created_at"] = str(int(at.timestamp()))
    return body


def member_message_body(
    room: str,
    *,
    user_id: str = "318842201",
    at: datetime,
    text: str = "오늘 점심 뭐 먹죠?",
    message_id: str | None = None,
) -> dict[str, Any]:
    """The webhook body of an ordinary member's text message in ``room`` (plain_chat.json)
    written at ``at``; its KakaoTalk id ``message_id`` (default: a fresh one)."""
    body = _member_body("plain_chat.json", room, user_id=user_id, at=at, message_id=message_id)
    body["msg"] = body["json"]["message"] = text
    return body


def reply_body(
    room: str,
    *,
    user_id: str = "318842201",
    src_log_id: object,
    at: datetime,
    reply_id: str | None = None,
    bot_id: str = "9900112233",
    text: str = "네 확인했습니다!",
    as_text: bool = False,
) -> dict[str, Any]:
    """The webhook body of a member's 답장 (type 26, reply_to_bot.json) in ``room`` to the
    message whose id is ``src_log_id``, with ``src_userId`` = ``bot_id``. A digit string
    goes into the attachment as KakaoTalk usually writes it, a JSON number (``as_text``: a
    JSON string, as it sometimes does); any other value goes as it is (forgeries)."""
    body = _member_body("reply_to_bot.json", room, user_id=user_id, at=at, message_id=reply_id)
    body["msg"] = body["json"]["message"] = text
    attachment = json.loads(body["json"]["attachment"])
    if isinstance(src_log_id, str) and src_log_id.isdigit() and not as_text:
        src_log_id = int(src_log_id)
    attachment.update(src_logId=src_log_id, src_userId=int(bot_id))
    body["json"]["attachment"] = json.dumps(attachment, ensure_ascii=False)
    return body
