"""Inbound webhook bodies (Iris, Kakao skill) parsed into one ``ChatEvent`` type.

Parsing is strict where a mistake would be dangerous (room and user ids, the ``v`` blob that
says whether the message is the bot's own) and lenient where Iris is known to be sloppy
(``attachment`` can be undecryptable text; names can be null). JSON is decoded with its
nesting bounded (``core.bounded_json``), also inside the ``v`` and ``attachment`` strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from core import bounded_json

MAX_BODY_BYTES = 256 * 1024

_NUMERIC_ID = re.compile(r"[0-9]{1,19}")


class EventError(ValueError):
    """A webhook body that is not a usable event; the message says why."""


@dataclass(frozen=True, slots=True)
class ChatEvent:
    source: Literal["iris", "kakao_skill"]
    event_id: str | None  # Iris json._id, for de-duplication; None for skill requests
    room_id: str  # Iris json.chat_id; skill: userRequest.chat.id, else "user:" + user.id
    room_name: str  # display only: not unique, can change
    user_id: str  # Iris json.user_id; skill userRequest.user.id
    sender_name: str  # display only
    text: str
    message_type: str  # Iris json.type ("1" text, "0" feed, ...); skill "1"
    origin: str  # Iris v.origin ("MSG", "NEWMEM", ...); skill "MSG"
    attachments: dict[str, Any] = field(compare=False, repr=False)
    is_mine: bool  # the bot's own message echoed back
    # Whether the room is a 1:1 chat with the bot, when the payload says so for certain
    # (skill: a request without userRequest.chat); None when it does not (Iris payloads carry
    # no room type: ask the device, see bot.chat_kinds).
    direct: bool | None
    raw: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def looks_direct(self) -> bool:
        """A guess whether this is a 1:1 chat with the bot, for harmless choices only (such as
        ``!방 등록`` refusing a 1:1 chat): ``direct`` when known, else whether the Iris room is
        named after the sender. KakaoTalk names a 1:1 chat after the other person, but also
        every group room without a custom name, so never decide where a credential may go on
        this: ask ``services.ports.ChatKinds``."""
        if self.direct is not None:
            return self.direct
        return bool(self.room_name) and self.room_name == self.sender_name

    @property
    def is_feed(self) -> bool:
        """A system event (member joined/left, ...) rather than something a person typed."""
        return self.message_type == "0" or self.origin != "MSG"


def load_body(data: bytes) -> Mapping[str, Any]:
    """Decode a webhook body: at most ``MAX_BODY_BYTES`` of UTF-8 JSON holding an object."""
    if len(data) > MAX_BODY_BYTES:
        raise EventError(f"body is {len(data)} bytes, more than {MAX_BODY_BYTES}")
    try:
        body = bounded_json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EventError(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise EventError("body is not a JSON object")
    return body


def parse_iris(body: Mapping[str, Any]) -> ChatEvent:
    """Parse the body Iris POSTs to the webhook (docs/iris.md)."""
    if not isinstance(body, Mapping):
        raise EventError("body is not a JSON object")
    log = body.get("json")
    if not isinstance(log, Mapping):
        raise EventError("missing object 'json'")
    v = _iris_v(log.get("v"))
    origin = v.get("origin")
    is_mine = v.get("isMine", False)
    if not isinstance(origin, str) or not isinstance(is_mine, bool):
        raise EventError("json.v has no string 'origin' or a non-boolean 'isMine'")
    text = _optional_str(body, "msg")
    room_name = _optional_str(body, "room") or ""
    sender_name = _optional_str(body, "sender") or ""
    if text is None:
        text = _optional_str(log, "message", where="json.")
    return ChatEvent(
        source="iris",
        event_id=_optional_str(log, "_id", where="json."),
        room_id=_numeric_id(log, "chat_id"),
        room_name=room_name,
        user_id=_numeric_id(log, "user_id"),
        sender_name=sender_name,
        text=text or "",
        message_type=_numeric_id(log, "type"),
        origin=origin,
        attachments=_iris_attachment(log.get("attachment")),
        is_mine=is_mine,
        direct=None,
        raw=body,
    )


def parse_skill(body: Mapping[str, Any]) -> ChatEvent:
    """Parse a Kakao i Open Builder skill request (docs/kakao-skill.md)."""
    if not isinstance(body, Mapping):
        raise EventError("body is not a JSON object")
    request = body.get("userRequest")
    if not isinstance(request, Mapping):
        raise EventError("missing object 'userRequest'")
    user = request.get("user")
    if not isinstance(user, Mapping) or not _nonempty_str(user.get("id")):
        raise EventError("missing string 'userRequest.user.id'")
    utterance = request.get("utterance")
    if not isinstance(utterance, str):
        raise EventError("missing string 'userRequest.utterance'")
    chat = request.get("chat")
    if chat is not None and (not isinstance(chat, Mapping) or not _nonempty_str(chat.get("id"))):
        raise EventError("'userRequest.chat' has no string 'id'")
    user_id: str = user["id"]
    return ChatEvent(
        source="kakao_skill",
        event_id=None,
        room_id=chat["id"] if chat is not None else f"user:{user_id}",
        room_name="",
        user_id=user_id,
        sender_name="",
        text=utterance,
        message_type="1",
        origin="MSG",
        attachments={},
        is_mine=False,
        direct=chat is None,
        raw=body,
    )


def _iris_v(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        try:
            value = bounded_json.loads(value)
        except ValueError as exc:
            raise EventError("json.v is not valid JSON") from exc
    if not isinstance(value, Mapping):
        raise EventError("json.v is missing or not a JSON object")
    return value


def _iris_attachment(value: Any) -> dict[str, Any]:
    """Iris sends a JSON string; undecryptable or absent attachments become ``{}``."""
    if isinstance(value, str) and value:
        try:
            value = bounded_json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, Mapping) else {}


def _numeric_id(log: Mapping[str, Any], key: str) -> str:
    value = log.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _NUMERIC_ID.fullmatch(value):
        raise EventError(f"json.{key} must be a numeric string, got {value!r}")
    return value


def _optional_str(obj: Mapping[str, Any], key: str, *, where: str = "") -> str | None:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is not None and not isinstance(value, str):
        raise EventError(f"{where}{key} must be a string or null")
    return value


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)
