"""The arguments after a command's words: schedule ids, single words, form lines.

Every helper takes ``example`` (the verb's example with the prefix) for its error message.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from commands.grammar.errors import CommandError
from commands.grammar.form import parse_form
from commands.grammar.form_dates import parse_date
from commands.grammar.form_fields import BY_NAME
from commands.grammar.verbs import take_word
from core.particles import attach
from services.errors import quote
from services.schedule_form import ScheduleForm
from services.schedule_values import InvalidValue, parse_template_name

_ID = re.compile(r"#?([0-9]{1,18})번?")
_CAMPAIGN_ID = re.compile(r"(?:c|캠페인)([0-9]{1,18})", re.IGNORECASE)
_CONFIRM_WORDS = frozenset({"확인", "confirm"})
ID_FORMS = "스케줄은 12나 #12, 캠페인은 C12처럼"


def take_id(rest: str, example: str) -> tuple[int, bool, str]:
    """The id that ``rest`` starts with: a schedule's (``12``, ``#12``, ``12번``) or a
    campaign's (``C12``, ``c12``, ``캠페인12``; then the flag is True), and what follows."""
    taken = take_word(rest)
    if taken is None:
        raise CommandError("ID", f"번호(ID)를 적어 주세요 ({ID_FORMS}).", example)
    word, rest = taken
    match = _ID.fullmatch(word)
    campaign = match is None
    if match is None:
        match = _CAMPAIGN_ID.fullmatch(word)
    if match is None or int(match.group(1)) == 0:
        raise CommandError(
            "ID",
            f"{attach(quote(word), '은')} 올바른 번호가 아닙니다. {ID_FORMS} 적어 주세요.",
            example,
        )
    return int(match.group(1)), campaign, rest


def only_id(rest: str, more: list[str], example: str) -> tuple[int, bool]:
    """The id (and whether it is a campaign's) when it is the only argument."""
    found, campaign, rest = take_id(rest, example)
    nothing_more(rest, more, example)
    return found, campaign


def take_confirmation(rest: str, example: str, then: str) -> tuple[bool, str]:
    """Whether ``rest`` starts with ``확인``; any other word is an error saying what ``확인``
    does (``then``, e.g. "삭제됩니다")."""
    taken = take_word(rest)
    if taken is None:
        return False, rest
    word, rest = taken
    if word.casefold() not in _CONFIRM_WORDS:
        raise CommandError("확인", f"{quote(word)} 대신 '확인'을 붙이면 {then}.", example)
    return True, rest


def one_word(
    rest: str, more: list[str], example: str, field: str, what: str, max_length: int
) -> str:
    """The single word argument (an org code, a verification code) and nothing after it."""
    taken = take_word(rest)
    if taken is None:
        raise CommandError(field, f"{attach(what, '을')} 적어 주세요.", example)
    word, rest = taken
    if len(word) > max_length:
        raise CommandError(
            field, f"{attach(quote(word), '은')} 너무 깁니다 ({max_length}자까지).", example
        )
    nothing_more(rest, more, example)
    return word


def org_and_name(rest: str, more: list[str], example: str, max_length: int) -> tuple[str, str]:
    """An org code and, after it, the rest of the line as a person's name (spaces kept)."""
    taken = take_word(rest)
    if taken is None:
        raise CommandError("조직코드", "초대할 조직의 코드를 적어 주세요.", example)
    code, rest = taken
    if len(code) > max_length:
        raise CommandError(
            "조직코드", f"{attach(quote(code), '은')} 너무 깁니다 ({max_length}자까지).", example
        )
    name = " ".join(rest.split())
    if not name:
        raise CommandError("이름", "새 관리자의 이름을 조직코드 다음에 적어 주세요.", example)
    nothing_more("", more, example)
    return code, name


def nothing_more(rest: str, more: list[str], example: str) -> None:
    """Rejects anything left on the command line or on the lines after it."""
    extra = rest.strip() or next((line for line in more if line.strip()), "")
    if extra:
        raise CommandError(
            "명령", f"{attach(quote(extra), '은')} 이 명령에 필요 없는 내용입니다.", example
        )


def form_lines(rest: str, more: list[str]) -> list[str]:
    """The form lines, the first possibly on the command line itself; [] when all blank."""
    lines = [rest, *more] if rest.strip() else more
    return lines if any(line.strip() for line in lines) else []


def edit_form(rest: str, more: list[str], example: str, today: date) -> ScheduleForm:
    """The form of an edit, which must change at least one field."""
    lines = form_lines(rest, more)
    form = parse_form(lines, today=today) if lines else None
    if form is None or not form.given():
        message = "바꿀 항목을 '항목: 값'으로 한 줄에 하나씩 적어 주세요."
        raise CommandError("양식", message, example)
    return form


def _name(line: str, example: str) -> str:
    try:
        return parse_template_name(line)
    except InvalidValue as problem:
        raise CommandError("이름", str(problem), example) from None


def template_name(rest: str, more: list[str], example: str) -> str:
    """A saved template's name: the rest of the command line, and nothing after it."""
    name = _name(rest, example)
    nothing_more("", more, example)
    return name


def template_text(rest: str, more: list[str], example: str, today: date) -> tuple[str, str]:
    """A template's name on the command line and its text after a ``내용:`` line (the text
    as the schedule form reads it)."""
    name = _name(rest, example)
    form = parse_form(more, today=today) if form_lines("", more) else ScheduleForm()
    extra = [key for key in form.given() if key != "message_text"]
    if extra:
        message = "템플릿에는 '내용:'만 적습니다. 다른 항목은 스케줄을 등록할 때 적어 주세요."
        raise CommandError(BY_NAME[extra[0]].key, message, example)
    if not form.message_text:
        raise CommandError("내용", "저장할 메시지를 '내용:' 다음 줄부터 적어 주세요.", example)
    return name, form.message_text


REPORT_DAYS = 30  # a report without dates: the last 30 days, today included
REPORT_MAX_DAYS = 366


def report_dates(rest: str, more: list[str], example: str, today: date) -> tuple[date, date]:
    """``시작일 종료일`` (inclusive) after a report's id; none: the last ``REPORT_DAYS``
    days; one date: from it through today."""
    nothing_more("", more, example)
    words = rest.split()
    if not words:
        return today - timedelta(days=REPORT_DAYS - 1), today
    if len(words) > 2:
        raise CommandError("날짜", "날짜는 시작일과 종료일 두 개까지 적어 주세요.", example)
    found = []
    for word in words:
        try:
            found.append(parse_date(word, today))
        except InvalidValue as problem:
            raise CommandError("날짜", str(problem), example) from None
    first, last = found[0], found[-1] if len(found) == 2 else today
    if last < first:
        raise CommandError("날짜", "종료일이 시작일보다 앞설 수 없습니다.", example)
    if (last - first).days + 1 > REPORT_MAX_DAYS:
        raise CommandError("날짜", f"기간은 {REPORT_MAX_DAYS}일 이하로 적어 주세요.", example)
    return first, last
