"""Kakao skill reply JSON stays within the Open Builder limits (bot/skill_reply.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kakao_skill.reply import (
    MAX_LABEL,
    MAX_OUTPUTS,
    MAX_QUICK_REPLIES,
    MAX_TEXT,
    processing_reply,
    skill_reply,
)
from bot.text_chunks import TRUNCATED_HINT


def texts(reply: dict[str, Any]) -> list[str]:
    return [output["simpleText"]["text"] for output in reply["template"]["outputs"]]


def assert_within_limits(reply: dict[str, Any]) -> None:
    assert reply["version"] == "2.0"
    outputs = texts(reply)
    assert 1 <= len(outputs) <= MAX_OUTPUTS
    assert all(0 < len(text) <= MAX_TEXT for text in outputs)
    quick = reply["template"].get("quickReplies", [])
    assert len(quick) <= MAX_QUICK_REPLIES
    assert all(len(q["label"]) <= MAX_LABEL and q["action"] == "message" for q in quick)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_reply_shape() -> None:
    assert skill_reply("등록되었습니다. #12") == {
        "version": "2.0",
        "template": {"outputs": [{"simpleText": {"text": "등록되었습니다. #12"}}]},
    }


def test_quick_replies_shape() -> None:
    reply = skill_reply("무엇을 할까요?", [("목록", "!스케줄 목록"), ("도움말", "!도움말")])
    assert reply["template"]["quickReplies"] == [
        {"label": "목록", "action": "message", "messageText": "!스케줄 목록"},
        {"label": "도움말", "action": "message", "messageText": "!도움말"},
    ]


def test_long_label_is_shortened_and_message_kept() -> None:
    label = "스케줄 목록 전체 보기 (최근 순서)"
    [quick] = skill_reply("x", [(label, "!스케줄 목록")])["template"]["quickReplies"]
    assert quick["label"] == label[: MAX_LABEL - 1] + "…"
    assert len(quick["label"]) == MAX_LABEL
    assert quick["messageText"] == "!스케줄 목록"


def test_label_of_exactly_the_limit_is_kept() -> None:
    label = "가" * MAX_LABEL
    [quick] = skill_reply("x", [(label, "y")])["template"]["quickReplies"]
    assert quick["label"] == label


def test_at_most_ten_quick_replies() -> None:
    pairs = [(f"#{i}", f"!스케줄 보기 {i}") for i in range(15)]
    quick = skill_reply("x", pairs)["template"]["quickReplies"]
    assert [q["label"] for q in quick] == [f"#{i}" for i in range(MAX_QUICK_REPLIES)]


def test_text_at_the_limit_is_one_output() -> None:
    text = "가" * MAX_TEXT
    assert texts(skill_reply(text)) == [text]


def test_long_text_is_split_at_line_boundaries() -> None:
    lines = [f"{i:03d} " + "스케줄 안내 문구입니다." * 3 for i in range(60)]
    reply = skill_reply("\n".join(lines))
    assert_within_limits(reply)
    outputs = texts(reply)
    assert len(outputs) == 3
    assert TRUNCATED_HINT not in outputs[-1]
    assert [line for out in outputs for line in out.split("\n")] == lines


def test_too_long_text_is_cut_with_a_hint() -> None:
    lines = [f"{i:04d} 이번 주 특가 상품 안내" for i in range(400)]
    reply = skill_reply("\n".join(lines))
    assert_within_limits(reply)
    outputs = texts(reply)
    assert len(outputs) == MAX_OUTPUTS
    assert outputs[-1].endswith("\n" + TRUNCATED_HINT)
    kept = [line for out in outputs for line in out.split("\n")][:-1]
    assert kept == lines[: len(kept)]  # whole lines, in order, none skipped
    assert len(kept) > 100


def test_one_huge_line_is_split_at_spaces() -> None:
    words = [f"단어{i}" for i in range(700)]
    outputs = texts(skill_reply(" ".join(words)))
    assert len(outputs) == 3
    assert outputs[-1].endswith(TRUNCATED_HINT)
    body = " ".join(outputs)[: -len(TRUNCATED_HINT)].split()
    assert body == words[: len(body)]


def test_blank_text_is_refused() -> None:
    with pytest.raises(ValueError, match="text"):
        skill_reply(" \n\n ")


def test_processing_reply() -> None:
    reply = processing_reply()
    assert_within_limits(reply)
    assert texts(reply)[0].startswith("처리 중입니다")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("가나 ab\n"), min_size=1, max_size=5000),
    quick=st.lists(st.tuples(st.text(max_size=30), st.text(max_size=30)), max_size=15),
)
def test_any_reply_stays_within_limits(text: str, quick: list[tuple[str, str]]) -> None:
    if not text.strip():
        with pytest.raises(ValueError, match="text"):
            skill_reply(text, quick)
        return
    reply = skill_reply(text, quick)
    assert_within_limits(reply)
    joined = "".join(texts(reply))
    if TRUNCATED_HINT in joined:
        kept = squeeze(joined.removesuffix(TRUNCATED_HINT))
        assert squeeze(text).startswith(kept)
    else:
        assert squeeze(joined) == squeeze(text)  # nothing lost
