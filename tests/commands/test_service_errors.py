"""A service error in chat (commands.service_errors): the form's Korean key and an example
line valid today, as a grammar mistake would read."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from commands.grammar.form_fields import BY_NAME, example_line
from commands.service_errors import FORM_KEY_OF, service_error_text
from services.errors import Conflict, Invalid, ServiceError
from services.schedule_form import ScheduleForm
from services.schedule_queries import RoomGone, ScheduleNotFound
from services.schedule_sends import NotATestRoom

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize("name", [field.name for field in fields(ScheduleForm)])
def test_every_form_attribute_reads_with_its_korean_key(name: str) -> None:
    line = example_line(FORM_KEY_OF.get(name, name), TODAY)
    text = service_error_text(Invalid(name, "틀렸습니다."), prefix="!", today=TODAY)
    assert text == f"❌ {BY_NAME[FORM_KEY_OF.get(name, name)].key}: 틀렸습니다.\n예) {line}"


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            ScheduleNotFound(7),
            "❌ ID: #7 스케줄이 없거나 볼 권한이 없습니다. 목록에서 번호를 확인해 주세요.\n"
            "예) !스케줄 목록",
        ),
        (
            RoomGone(),
            "❌ 방: 대상 방이 등록되지 않았거나 비활성 상태입니다.\n예) 방: 257378349297847",
        ),
        (NotATestRoom(3), "❌ 테스트방: 이 방은 고객도 보는 방이라 테스트 발송을 하지 않습니다."),
        (Conflict(None, "지금은 할 수 없습니다."), "❌ 지금은 할 수 없습니다."),
    ],
)
def test_service_errors_read_as_before(error: ServiceError, text: str) -> None:
    assert service_error_text(error, prefix="!", today=TODAY) == text
