"""``bot.replies``: a 답장's ``src_logId``, a message's id and time, read strictly from the
shared sample payloads (tests/fixtures/iris/reply_to_bot.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.events import parse_iris
from bot.replies import message_id, replied_to, written_at

FIXTURES = Path(__file__).parents[1] / "fixtures" / "iris"
WRITTEN = datetime.fromtimestamp(1764116043, UTC)


def body(name: str = "reply_to_bot.json", **attachment: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    if attachment:
        found = json.loads(data["json"]["attachment"])
        found.update(attachment)
        data["json"]["attachment"] = json.dumps(found)
    return data


def test_the_fixture_reply_names_the_answered_message_and_nothing_else_does() -> None:
    event = parse_iris(body())
    assert replied_to(event) == "3530028521861085185"
    assert message_id(event) == "3530028521861085299"
    assert replied_to(parse_iris(body("plain_chat.json"))) is None
    flagged = body()
    flagged["json"]["type"] = str(26 | 16384)
    assert replied_to(parse_iris(flagged)) == "3530028521861085185"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3530028521861085185, "3530028521861085185"),
        ("3530028521861085185", "3530028521861085185"),
        ("9" * 30, "9" * 30),
        ("9" * 31, None),
        (10**40, None),
        (-1, None),
        (1.0, None),
        (True, None),
        ("12 34", None),
        ("１２３", None),  # full-width digits are not ASCII digits
        ("", None),
        (None, None),
        ([1], None),
    ],
)
def test_src_log_id_is_a_number_or_a_digit_string_and_nothing_else(
    value: object, expected: str | None
) -> None:
    assert replied_to(parse_iris(body(src_logId=value))) == expected


def test_a_message_time_is_believed_only_near_the_clock() -> None:
    event = parse_iris(body())
    assert written_at(event, WRITTEN + timedelta(days=6)) == WRITTEN
    assert written_at(event, WRITTEN - timedelta(minutes=5)) == WRITTEN
    late = WRITTEN + timedelta(days=8)
    assert written_at(event, late) == late
    early = WRITTEN - timedelta(hours=1)
    assert written_at(event, early) == early
    garbled = body()
    garbled["json"]["created_at"] = "9" * 40
    assert written_at(parse_iris(garbled), early) == early
