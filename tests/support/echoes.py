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
