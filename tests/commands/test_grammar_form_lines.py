"""The schedule form as a whole: unknown and duplicate keys, message text lines, blank lines
and comments, the blank form, and any lines at all (hypothesis)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.grammar.errors import CommandError
from commands.grammar.form import blank_form, parse_form
from commands.grammar.form_fields import FIELDS, example_line
from services.schedule_form import ScheduleForm
from tests.commands.test_grammar_form import BLANK_FORM, TODAY, WEEKDAYS_MON_FRI, form


def test_bad_value_example_is_a_valid_line_for_that_key() -> None:
    with pytest.raises(CommandError) as caught:
        form("간격: 99")
    assert caught.value.example == "간격: 1"
    assert form(caught.value.example).send_interval_seconds == 1


def test_unknown_key_lists_the_valid_keys() -> None:
    with pytest.raises(CommandError) as caught:
        form("제목: a", "colour: red")
    assert caught.value.field == "colour"
    for key in (field.key for field in FIELDS):
        assert key in caught.value.message


@pytest.mark.parametrize(
    "lines",
    [("제목: a", "제목: b"), ("시간: 09:00", "time: 10:00"), ("제목:", "title: a")],
)
def test_duplicate_key_is_an_error(lines: tuple[str, ...]) -> None:
    with pytest.raises(CommandError, match="두 번"):
        form(*lines)


def test_every_example_line_is_valid_and_sets_its_field() -> None:
    for field in FIELDS:
        line = example_line(field.name, TODAY)
        assert field.name in form(*line.split("\n")).given(), line


def test_message_text_keeps_inner_lines_verbatim() -> None:
    parsed = form(
        "제목: 안내",
        "내용:",
        "",
        "  첫 줄 들여쓰기",
        "시간: 10:00",
        "",
        "# 해시태그 줄",
        "끝   ",
        "",
        "   ",
    )
    assert parsed.message_text == "  첫 줄 들여쓰기\n시간: 10:00\n\n# 해시태그 줄\n끝"
    assert parsed.schedule_time is None


def test_message_text_may_start_on_the_key_line() -> None:
    assert form("내용: 첫 줄", "둘째 줄").message_text == "첫 줄\n둘째 줄"
    assert form("text = a # b", "c").message_text == "a # b\nc"


def test_blank_lines_comments_and_empty_values() -> None:
    parsed = form(
        "",
        "# 이 줄은 설명",
        "제목: 신상품 #1 안내    # 필수",
        "설명:    # 선택",
        "방타입: 테스트    # 운영 | 테스트",
        "이미지: #3 #5",
        "   ",
    )
    assert parsed.given() == {"title": "신상품 #1 안내", "room_type": "test", "image_ids": (3, 5)}


def test_given_returns_only_provided_fields() -> None:
    assert ScheduleForm().given() == {}
    assert ScheduleForm(status="active", image_ids=()).given() == {
        "status": "active",
        "image_ids": (),
    }


def test_blank_form_has_every_key_with_message_last() -> None:
    lines = BLANK_FORM.split("\n")
    assert lines[0] == "!스케줄 등록"
    keys = [line.split(":")[0] for line in lines[1:] if not line.startswith("#")]
    assert keys == [field.key for field in FIELDS]
    assert lines[-1] == "내용:"
    assert blank_form("/", TODAY).startswith("/스케줄 등록\n")


def test_filled_in_blank_form_parses() -> None:
    filled = (
        BLANK_FORM.replace("제목:", "제목: 주간 특가")
        .replace("유형:", "유형: 매주")
        .replace("요일:", "요일: 월~금")
        .replace("시간:", "시간: 오전 9시")
        .replace("종료:", "종료: 2027-06-30")
    )
    lines = [*filled.split("\n")[1:], "이번 주 특가입니다."]
    assert form(*lines).given() == {
        "title": "주간 특가",
        "schedule_type": "weekly",
        "weekdays": WEEKDAYS_MON_FRI,
        "schedule_time": time(9),
        "valid_until": datetime(2027, 6, 30, 23, 59, 59),
        "message_text": "이번 주 특가입니다.",
    }


_KEYS = [word for field in FIELDS for word in (field.key, *field.aliases)]
_VALUE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("0123456789:./-~#, \t오전후시분초반년월화수목금토일요평주말매amp")
    ),
    max_size=30,
)
_LINE = st.one_of(
    st.builds(
        "{}{}{}".format,
        st.sampled_from(_KEYS),
        st.sampled_from([":", "：", "=", " : "]),
        st.one_of(_VALUE_TEXT, st.text(max_size=30)),
    ),
    st.text(max_size=30),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=6))
def test_any_form_lines_give_a_form_or_a_command_error(lines: list[str]) -> None:
    try:
        outcome: ScheduleForm | CommandError = parse_form(lines, today=TODAY)
    except CommandError as error:
        outcome = error
    if isinstance(outcome, CommandError):
        assert outcome.field
        assert outcome.example
    else:
        assert isinstance(outcome, ScheduleForm)
