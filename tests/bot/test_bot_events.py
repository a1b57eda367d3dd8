"""Inbound webhook bodies -> ChatEvent (bot/events.py), against the shared sample payloads."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.events import MAX_BODY_BYTES, ChatEvent, EventError, load_body, parse_iris, parse_skill

FIXTURES = (
    Path(__file__).parents[1] / "fixtures"
)  # sample payloads (docs/iris.md, docs/kakao-skill.md)

ROOM = "257378349297847"


@functools.cache
def _sample_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of a sample payload (tests may change it)."""
    return json.loads(_sample_text(name))


def test_every_iris_fixture_is_covered() -> None:
    assert {p.name for p in (FIXTURES / "iris").glob("*.json")} == {
        "text_command.json",
        "multiline_command.json",
        "plain_chat.json",
        "bot_own_echo.json",
        "photo_message.json",
        "member_joined.json",
        "reply_to_bot.json",
    }


@pytest.mark.parametrize(
    ("name", "event_id", "user_id", "sender", "text_start", "mtype", "origin", "mine", "feed"),
    [
        ("text_command", "136611", "252507685", "김지점장",
         "!스케줄 목록", "1", "MSG", False, False),
        ("multiline_command", "136611", "252507685", "김지점장",
         "!스케줄 등록\n제목", "1", "MSG", False, False),
        ("plain_chat", "136612", "318842201", "이직원",
         "오늘 점심", "1", "MSG", False, False),
        ("bot_own_echo", "136613", "9900112233", "도매까봇",
         "[스케줄 #12]", "1", "MSG", True, False),
        ("photo_message", "136614", "252507685", "김지점장",
         "사진", "2", "MSG", False, False),
        ("member_joined", "136615", "318842299", "신입직원",
         '{"feedType":4', "0", "NEWMEM", False, True),
        ("reply_to_bot", "136618", "318842201", "이직원",
         "네 확인했습니다", "26", "MSG", False, False),
    ],
)  # fmt: skip
def test_iris_fixture_parses(
    name: str,
    event_id: str,
    user_id: str,
    sender: str,
    text_start: str,
    mtype: str,
    origin: str,
    mine: bool,
    feed: bool,
) -> None:
    body = sample(f"iris/{name}.json")
    event = parse_iris(body)
    assert event.source == "iris"
    assert event.event_id == event_id
    assert event.room_id == ROOM
    assert event.room_name == "도매까 강남지점 공지방"
    assert event.user_id == user_id
    assert event.sender_name == sender
    assert event.text.startswith(text_start)
    assert event.message_type == mtype
    assert event.origin == origin
    assert event.is_mine is mine
    assert event.is_feed is feed
    assert event.direct is None  # Iris payloads do not say
    assert event.looks_direct is False  # group rooms: the room is not named after the sender
    assert event.raw is body


def test_iris_room_named_after_the_sender_only_looks_direct() -> None:
    body = json.loads((FIXTURES / "iris" / "text_command.json").read_text("utf-8"))
    body["room"] = body["sender"]  # a 1:1 room, or any group room without a custom name
    event = parse_iris(body)
    assert event.looks_direct is True
    assert event.direct is None


def test_multiline_command_keeps_every_line() -> None:
    event = parse_iris(sample("iris/multiline_command.json"))
    assert event.text.splitlines()[-2:] == [
        "이번 주 특가 상품을 안내드립니다.",
        "매장에서 확인하세요!",
    ]
    assert len(event.text.splitlines()) == 9


def test_photo_attachment_is_decoded() -> None:
    event = parse_iris(sample("iris/photo_message.json"))
    assert event.attachments["mt"] == "image/jpeg"
    assert event.attachments["w"] == 1080


def test_reply_attachment_keeps_src_log_id_a_number() -> None:
    attachments = parse_iris(sample("iris/reply_to_bot.json")).attachments
    assert attachments["src_logId"] == 3530028521861085185
    assert attachments["src_userId"] == 9900112233


def test_text_attachment_is_empty() -> None:
    assert parse_iris(sample("iris/text_command.json")).attachments == {}


def test_undecryptable_attachment_does_not_lose_the_message() -> None:
    body = sample("iris/text_command.json")
    body["json"]["attachment"] = "dGhpcyBpcyBub3QgSlNPTg=="
    event = parse_iris(body)
    assert event.attachments == {}
    assert event.text == "!스케줄 목록"


def test_text_falls_back_to_json_message() -> None:
    body = sample("iris/text_command.json")
    body["msg"] = None
    assert parse_iris(body).text == "!스케줄 목록"


def test_missing_names_become_empty() -> None:
    body = sample("iris/text_command.json")
    body["room"] = None
    body["sender"] = None
    event = parse_iris(body)
    assert (event.room_name, event.sender_name) == ("", "")


def test_v_may_already_be_an_object() -> None:
    body = sample("iris/bot_own_echo.json")
    body["json"]["v"] = json.loads(body["json"]["v"])
    assert parse_iris(body).is_mine is True


def test_event_is_frozen() -> None:
    event = parse_iris(sample("iris/text_command.json"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.text = "!도움말"  # type: ignore[misc]


def _broken(change: Any) -> dict[str, Any]:
    body = sample("iris/text_command.json")
    change(body)
    return body


def _set_v(body: dict[str, Any], **fields: Any) -> None:
    v = json.loads(body["json"]["v"])
    v.update(fields)
    body["json"]["v"] = json.dumps(v)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ([], "not a JSON object"),
        ({}, "'json'"),
        ({"msg": "hi", "json": "{}"}, "'json'"),
        (_broken(lambda b: b["json"].pop("chat_id")), "chat_id"),
        (_broken(lambda b: b["json"].update(chat_id="room-1")), "chat_id"),
        (_broken(lambda b: b["json"].update(chat_id="")), "chat_id"),
        (_broken(lambda b: b["json"].update(user_id=None)), "user_id"),
        (_broken(lambda b: b["json"].pop("type")), "type"),
        (_broken(lambda b: b["json"].pop("v")), "json.v"),
        (_broken(lambda b: b["json"].update(v="{not json")), "json.v"),
        (_broken(lambda b: b["json"].update(v="[1, 2]")), "json.v"),
        (_broken(lambda b: _set_v(b, isMine="false")), "isMine"),
        (_broken(lambda b: _set_v(b, origin=None)), "origin"),
        (_broken(lambda b: b.update(msg=["!help"])), "msg"),
        (_broken(lambda b: b.update(room={"name": "x"})), "room"),
    ],
)
def test_malformed_iris_body_raises(body: Any, why: str) -> None:
    with pytest.raises(EventError, match=why):
        parse_iris(body)


def test_skill_one_to_one_utterance() -> None:
    body = sample("kakao_skill/utterance.json")
    event = parse_skill(body)
    user = body["userRequest"]["user"]["id"]
    assert event == ChatEvent(
        source="kakao_skill",
        event_id=None,
        room_id=f"user:{user}",
        room_name="",
        user_id=user,
        sender_name="",
        text="!스케줄 목록",
        message_type="1",
        origin="MSG",
        attachments={},
        is_mine=False,
        direct=True,
        raw=body,
    )
    assert not event.is_feed


def test_skill_group_utterance_uses_the_group_key() -> None:
    event = parse_skill(sample("kakao_skill/group_utterance.json"))
    assert event.room_id == "c0ffee" + "0" * 57 + "1"
    assert event.direct is False and event.looks_direct is False
    assert event.text == "!스케줄 목록"
    assert event.user_id.startswith("a3b1c9")


def _broken_skill(change: Any) -> dict[str, Any]:
    body = sample("kakao_skill/group_utterance.json")
    change(body["userRequest"])
    return body


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("utterance", "not a JSON object"),
        ({"bot": {}}, "userRequest"),
        (_broken_skill(lambda r: r.pop("user")), "user.id"),
        (_broken_skill(lambda r: r["user"].update(id="")), "user.id"),
        (_broken_skill(lambda r: r["user"].update(id=42)), "user.id"),
        (_broken_skill(lambda r: r.pop("utterance")), "utterance"),
        (_broken_skill(lambda r: r.update(chat={"type": "botGroupKey"})), "chat"),
        (_broken_skill(lambda r: r.update(chat="c0ffee")), "chat"),
    ],
)
def test_malformed_skill_body_raises(body: Any, why: str) -> None:
    with pytest.raises(EventError, match=why):
        parse_skill(body)


def test_load_body_accepts_a_json_object() -> None:
    data = json.dumps(sample("iris/text_command.json"), ensure_ascii=False).encode()
    assert parse_iris(load_body(data)).text == "!스케줄 목록"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"x" * (MAX_BODY_BYTES + 1), "more than"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_load_body_rejects(data: bytes, why: str) -> None:
    with pytest.raises(EventError, match=why):
        load_body(data)


def test_load_body_limit_is_inclusive() -> None:
    padding = MAX_BODY_BYTES - len(b'{"p": ""}')
    assert load_body(b'{"p": "' + b"a" * padding + b'"}')["p"] == "a" * padding


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)
_iris_keys = st.sampled_from(["msg", "room", "sender", "json"])
_log_keys = st.sampled_from(["_id", "type", "chat_id", "user_id", "message", "attachment", "v"])


@settings(max_examples=100, deadline=None)
@given(top=st.dictionaries(_iris_keys, _json_values), log=st.dictionaries(_log_keys, _json_values))
def test_parse_iris_fails_only_with_event_error(top: dict[str, Any], log: dict[str, Any]) -> None:
    body = sample("iris/text_command.json")
    body.update(top)
    if isinstance(body.get("json"), dict):
        body["json"].update(log)
    try:
        event = parse_iris(body)
    except EventError:
        return
    assert event.room_id.isdigit()
    assert event.user_id.isdigit()
    assert isinstance(event.text, str)
    assert isinstance(event.attachments, dict)


@settings(max_examples=100, deadline=None)
@given(request=st.dictionaries(st.sampled_from(["user", "utterance", "chat"]), _json_values))
def test_parse_skill_fails_only_with_event_error(request: dict[str, Any]) -> None:
    body = sample("kakao_skill/utterance.json")
    body["userRequest"].update(request)
    try:
        event = parse_skill(body)
    except EventError:
        return
    assert event.room_id
    assert isinstance(event.text, str)
