"""The chat-command grammar: text -> Command | None | CommandError (commands.grammar.parse)."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.grammar.errors import CommandError
from commands.grammar.form import blank_form
from commands.grammar.parse import (
    AdminVerify,
    Command,
    Help,
    RoomRegister,
    ScheduleCreate,
    ScheduleDelete,
    ScheduleEdit,
    ScheduleList,
    ScheduleLogs,
    ScheduleSend,
    ScheduleShow,
    ScheduleTest,
    ScheduleToggle,
    WebLogin,
    WhoAmI,
    parse,
)
from commands.grammar.verbs import VERBS, help_text
from services.schedule_form import ScheduleForm

TODAY = date(2026, 11, 26)
FIXTURE = Path(__file__).parents[1] / "fixtures" / "iris" / "multiline_command.json"


def run(text: str, prefix: str = "!") -> Command | None:
    return parse(text, prefix=prefix, today=TODAY)


def error_of(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!도움말", Help()),
        ("!help", Help()),
        ("!HELP", Help()),
        ("!도움말 스케줄", Help()),
        ("！도움말", Help()),
        ("  !도움말  ", Help()),
        ("!스케줄 목록", ScheduleList()),
        ("!schedule list", ScheduleList()),
        ("!Schedule LIST", ScheduleList()),
        ("!스케줄목록", ScheduleList()),
        ("!스케줄 \t 목록\n\n", ScheduleList()),
        ("!스케줄 목록\r\n", ScheduleList()),
        ("!스케줄 보기 12", ScheduleShow(12)),
        ("!스케줄 보기 #12", ScheduleShow(12)),
        ("!스케줄 보기 12번", ScheduleShow(12)),
        ("!스케줄 보기 ＃１２", ScheduleShow(12)),
        ("!schedule show 7", ScheduleShow(7)),
        ("!스케줄 등록", ScheduleCreate(None)),
        ("!schedule create", ScheduleCreate(None)),
        ("!스케줄 등록\n\n  \n", ScheduleCreate(None)),
        ("!스케줄 등록 제목: 안내", ScheduleCreate(ScheduleForm(title="안내"))),
        ("!스케줄 등록\n제목: 안내", ScheduleCreate(ScheduleForm(title="안내"))),
        ("!스케줄 수정 12\n시간: 10:00", ScheduleEdit(12, ScheduleForm(schedule_time=time(10)))),
        ("!스케줄 수정 #12 시간: 10:00", ScheduleEdit(12, ScheduleForm(schedule_time=time(10)))),
        ("!schedule edit 7\nstatus: off", ScheduleEdit(7, ScheduleForm(status="inactive"))),
        ("!스케줄 삭제 12", ScheduleDelete(12, confirmed=False)),
        ("!스케줄 삭제 12 확인", ScheduleDelete(12, confirmed=True)),
        ("!schedule delete #3 confirm", ScheduleDelete(3, confirmed=True)),
        ("!스케줄 켜기 5", ScheduleToggle(5, on=True)),
        ("!스케줄 끄기 5", ScheduleToggle(5, on=False)),
        ("!schedule on 5", ScheduleToggle(5, on=True)),
        ("!schedule off 5", ScheduleToggle(5, on=False)),
        ("!스케줄 테스트 9", ScheduleTest(9)),
        ("!schedule test 9", ScheduleTest(9)),
        ("!스케줄 테스트 9 확인", ScheduleTest(9, confirmed=True)),
        ("!스케줄 발송 #9", ScheduleSend(9)),
        ("!스케줄 발송 9 확인", ScheduleSend(9, confirmed=True)),
        ("!schedule send 9 confirm", ScheduleSend(9, confirmed=True)),
        ("!스케줄 로그 9", ScheduleLogs(9)),
        ("!schedule logs 9", ScheduleLogs(9)),
        ("!방 등록 BR001", RoomRegister("BR001")),
        ("!room register BR001", RoomRegister("BR001")),
        ("!웹", WebLogin()),
        ("!web", WebLogin()),
        ("!내정보", WhoAmI()),
        ("!me", WhoAmI()),
        ("!whoami", WhoAmI()),
        ("!관리자 인증 ABC123", AdminVerify("ABC123")),
        ("!admin verify ABC123", AdminVerify("ABC123")),
    ],
)
def test_commands_and_their_aliases(text: str, expected: Command) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\n",
        "안녕하세요",
        "도움말",
        "스케줄 목록",
        "hello !도움말",
        "!",
        "!!",
        "!!!",
        "! 도움말",
        "!?",
        "!ㅋㅋㅋ",
        "!123",
        "/도움말",
    ],
)
def test_chatter_is_not_a_command(text: str) -> None:
    assert run(text) is None


def test_prefix_comes_from_the_caller() -> None:
    assert run("/도움말", prefix="/") == Help()
    assert run("/schedule show 4", prefix="/") == ScheduleShow(4)
    assert run("!도움말", prefix="/") is None
    assert run(".봇 도움말", prefix=".봇 ") == Help()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("!foo", "명령"),
        ("!스케줄", "명령"),
        ("!스케줄 잘못", "명령"),
        ("!방", "명령"),
        ("!스케줄 보기", "ID"),
        ("!스케줄 보기 abc", "ID"),
        ("!스케줄 보기 0", "ID"),
        ("!스케줄 보기 -3", "ID"),
        ("!스케줄 보기 1.5", "ID"),
        ("!스케줄 보기 12345678901234567890", "ID"),
        ("!스케줄 켜기", "ID"),
        ("!스케줄 끄기 x", "ID"),
        ("!스케줄 테스트", "ID"),
        ("!스케줄 로그", "ID"),
        ("!스케줄 삭제 x", "ID"),
        ("!스케줄 수정", "ID"),
        ("!스케줄 수정 abc\n시간: 10:00", "ID"),
        ("!스케줄 보기 12 13", "명령"),
        ("!스케줄 보기 12\n13", "명령"),
        ("!스케줄 목록 전체", "명령"),
        ("!웹\n추가", "명령"),
        ("!내정보 자세히", "명령"),
        ("!스케줄 삭제 12 네", "확인"),
        ("!스케줄 발송 12 네", "확인"),
        ("!스케줄 테스트 12 확인 지금", "명령"),
        ("!스케줄 삭제 12 확인 확인", "명령"),
        ("!스케줄 수정 12", "양식"),
        ("!스케줄 수정 12\n제목:", "양식"),
        ("!스케줄 수정 12\n시간: 25:00", "시간"),
        ("!스케줄 등록\n시간: 오후 13시", "시간"),
        ("!스케줄 등록\n요일: 월,x", "요일"),
        ("!방 등록", "조직코드"),
        ("!방 등록 " + "A" * 51, "조직코드"),
        ("!방 등록 A B", "명령"),
        ("!관리자 인증", "인증코드"),
        ("!스케줄 등록\nfoo: 1", "foo"),
        ("!스케줄 등록\n제목: a\ntitle: b", "제목"),
        ("!스케줄 등록\n그냥 문장", "양식"),
    ],
)
def test_malformed_commands_name_the_field(text: str, field: str) -> None:
    error = error_of(text)
    assert error.field == field
    assert field in error.reply_text()
    assert error.example


def test_unknown_verb_points_to_help() -> None:
    error = error_of("!스켸줄 목록")
    assert "'!스켸줄'" in error.message
    assert "!도움말" in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!스케쥴 목록", ScheduleList()),
        ("!스케쥴목록", ScheduleList()),
        ("!스케쥴 보기 3", ScheduleShow(3)),
        ("!스케쥴 등록\n스케쥴 타입: 매일", ScheduleCreate(ScheduleForm(schedule_type="daily"))),
        ("!스케쥴 수정 4\n스케쥴타입: 1회", ScheduleEdit(4, ScheduleForm(schedule_type="once"))),
    ],
)
def test_the_common_misspelling_of_schedule_is_understood(text: str, expected: Command) -> None:
    assert run(text) == expected


def test_the_misspelling_alone_asks_for_the_sub_verb() -> None:
    error = error_of("!스케쥴")
    assert error.field == "명령" and "목록" in error.message


def test_group_without_sub_verb_lists_the_sub_verbs() -> None:
    error = error_of("!스케줄")
    for word in ("목록", "보기", "등록", "수정", "삭제", "켜기", "끄기", "테스트", "로그"):
        assert word in error.message


def test_bad_time_reply_names_the_field_and_shows_an_example() -> None:
    reply = error_of("!스케줄 수정 3\n시간: 25:00").reply_text()
    assert reply.startswith("❌ 시간: '25:00'")
    assert reply.endswith("\n예) 시간: 09:30")


def test_command_error_reply_text() -> None:
    assert CommandError("ID", "번호를 적어 주세요.", "!스케줄 보기 12").reply_text() == (
        "❌ ID: 번호를 적어 주세요.\n예) !스케줄 보기 12"
    )
    assert CommandError(None, "잘못된 명령입니다.").reply_text() == "❌ 잘못된 명령입니다."
    assert str(CommandError("시간", "틀림")) == "❌ 시간: 틀림"


def test_iris_multiline_fixture_parses_into_the_form() -> None:
    message = json.loads(FIXTURE.read_text(encoding="utf-8"))["msg"]
    assert run(message) == ScheduleCreate(
        ScheduleForm(
            title="주간 특가 안내",
            schedule_type="weekly",
            weekdays=frozenset({"monday", "wednesday", "friday"}),
            schedule_time=time(9, 30),
            send_order="text_first",
            message_text="이번 주 특가 상품을 안내드립니다.\n매장에서 확인하세요!",
        )
    )


def test_blank_form_sent_back_unfilled_is_an_empty_create() -> None:
    assert run(blank_form("!", TODAY)) == ScheduleCreate(ScheduleForm())


def test_help_lists_every_verb_with_its_english_alias() -> None:
    text = help_text("/")
    for verb in VERBS:
        assert f"/{verb.korean}" in text
        assert f"/{verb.english}" in text
    assert text.count("\n• ") == len(VERBS)
    assert "!" not in text  # the given prefix is used, never a hard-coded one


def test_every_help_example_parses_to_a_command() -> None:
    for verb in VERBS:
        assert run(f"!{verb.example}") is not None, verb.example


def _parse_is_total(text: str) -> None:
    """``parse`` gives a Command or None, or raises a CommandError that names a field."""
    try:
        outcome: Command | CommandError | None = run(text)
    except CommandError as error:
        outcome = error
    if isinstance(outcome, CommandError):
        assert outcome.field
        assert outcome.reply_text().startswith(f"❌ {outcome.field}: ")
    else:
        assert outcome is None or isinstance(outcome, Command)


_COMMAND_WORDS = [" ".join(synonyms[0] for synonyms in verb.words) for verb in VERBS] + [
    verb.english for verb in VERBS
]
_NOISY = st.text(
    alphabet=st.sampled_from(
        list("0123456789#:：=,~- \t\n오전후시분반월화수목금토일제목내용확인ab!")
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_command_none_or_command_error(text: str) -> None:
    _parse_is_total(text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_after_the_prefix_is_handled(text: str) -> None:
    _parse_is_total("!" + text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_COMMAND_WORDS), st.one_of(_NOISY, st.text(max_size=60)))
def test_any_arguments_after_a_verb_are_handled(words: str, tail: str) -> None:
    _parse_is_total(f"!{words} {tail}")
    _parse_is_total(f"!{words}{tail}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!스케줄 보기 C12", ScheduleShow(12, campaign=True)),
        ("!스케줄 보기 c12", ScheduleShow(12, campaign=True)),
        ("!스케줄 보기 캠페인12", ScheduleShow(12, campaign=True)),
        ("!스케줄 보기 Ｃ１２", ScheduleShow(12, campaign=True)),
        ("!스케줄 보기 #12", ScheduleShow(12)),
        (
            "!스케줄 수정 C3\n시간: 10:00",
            ScheduleEdit(3, ScheduleForm(schedule_time=time(10)), campaign=True),
        ),
        ("!스케줄 삭제 C3 확인", ScheduleDelete(3, confirmed=True, campaign=True)),
        ("!스케줄 켜기 C3", ScheduleToggle(3, on=True, campaign=True)),
        ("!schedule off c3", ScheduleToggle(3, on=False, campaign=True)),
        ("!스케줄 테스트 C3 확인", ScheduleTest(3, confirmed=True, campaign=True)),
        ("!스케줄 로그 캠페인3", ScheduleLogs(3, campaign=True)),
    ],
)
def test_campaign_ids(text: str, expected: Command) -> None:
    assert run(text) == expected


def test_a_campaign_is_not_sent_now_and_bad_ids_name_both_forms() -> None:
    refused = error_of("!스케줄 발송 C3")
    assert refused.field == "ID" and "!스케줄 테스트 C3" in refused.reply_text()
    for text in ("!스케줄 보기 C", "!스케줄 보기 C0", "!스케줄 보기 D3", "!스케줄 보기 #C3"):
        problem = error_of(text)
        assert problem.field == "ID" and "#12" in problem.message and "C12" in problem.message
    assert "C12" in error_of("!스케줄 보기").message
