"""Chat text -> Command: the pure grammar of kbot's chat commands.

``parse`` returns None for ordinary chatter, a Command for a well-formed command, and raises
``CommandError`` (Korean, naming the field) for a malformed one. It raises nothing else.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias, assert_never

from commands.grammar.arguments import (
    edit_form,
    form_lines,
    nothing_more,
    one_word,
    only_id,
    org_and_name,
    report_dates,
    take_confirmation,
    take_id,
    template_name,
    template_text,
)
from commands.grammar.errors import CommandError
from commands.grammar.form import parse_form
from commands.grammar.form_dates import parse_date
from commands.grammar.verbs import Action, Verb, resolve
from services.schedule_form import ScheduleForm
from services.schedule_values import InvalidValue


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class ScheduleList:
    pass


@dataclass(frozen=True, slots=True)
class ScheduleShow:
    id: int
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleCreate:
    form: ScheduleForm | None  # None: the command alone, answer with the blank form


@dataclass(frozen=True, slots=True)
class ScheduleEdit:
    id: int
    form: ScheduleForm
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleDelete:
    id: int
    confirmed: bool  # "!스케줄 삭제 12 확인"
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleToggle:
    id: int
    on: bool
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleSkip:
    id: int
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class SchedulePause:
    id: int
    until: date  # nothing is sent on or before this local date
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleTest:
    id: int
    confirmed: bool = False  # "!스케줄 테스트 12 확인": also when the room has to wait its turn
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleSend:
    id: int
    confirmed: bool = False  # "!스케줄 발송 12 확인": also when the room has to wait its turn
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class ScheduleLogs:
    id: int
    campaign: bool = False  # the id is a campaign's (C12), not a schedule's


@dataclass(frozen=True, slots=True)
class SchedulePreview:
    id: int
    room: str | None  # a room (chat id or name) other than the target room
    campaign: bool = False  # the id is a campaign's (C12): the room picks its row


@dataclass(frozen=True, slots=True)
class TemplateSave:
    name: str
    text: str  # the message after ``내용:``


@dataclass(frozen=True, slots=True)
class TemplateList:
    pass


@dataclass(frozen=True, slots=True)
class TemplateDelete:
    name: str


@dataclass(frozen=True, slots=True)
class RoomRegister:
    org_code: str


@dataclass(frozen=True, slots=True)
class WebLogin:
    pass


@dataclass(frozen=True, slots=True)
class WhoAmI:
    pass


@dataclass(frozen=True, slots=True)
class AdminVerify:
    code: str


@dataclass(frozen=True, slots=True)
class AdminList:
    pass


@dataclass(frozen=True, slots=True)
class AdminDeactivate:
    kakao_user_id: str  # as typed; the access service checks it is a numeric id


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    campaign: bool  # the id is a campaign's (C12), not a schedule's
    first: date  # the local days first .. last, inclusive
    last: date


@dataclass(frozen=True, slots=True)
class AdminInvite:
    org_code: str
    name: str  # the rest of the line: a name may have spaces


Command: TypeAlias = (
    Help
    | ScheduleList
    | ScheduleShow
    | ScheduleCreate
    | ScheduleEdit
    | ScheduleDelete
    | ScheduleToggle
    | ScheduleSkip
    | SchedulePause
    | ScheduleTest
    | ScheduleSend
    | ScheduleLogs
    | SchedulePreview
    | TemplateSave
    | TemplateList
    | TemplateDelete
    | RoomRegister
    | WebLogin
    | WhoAmI
    | AdminVerify
    | AdminList
    | AdminDeactivate
    | AdminInvite
    | Report
)

_ORG_CODE_MAX = 50  # kb_schedule.created_by_id is varchar(50)
_VERIFY_CODE_MAX = 64
_KAKAO_ID_MAX = 40  # longer than any numeric id (services.access_views.NUMERIC_ID)


def parse(text: str, *, prefix: str = "!", today: date) -> Command | None:
    """The command in ``text``, or None when ``text`` is not addressed to the bot.

    A command is the prefix directly followed by a word (``!도움말``); the prefix followed by
    a space, punctuation or nothing (``!!``, ``! 와``) is chatter, and so is everything when
    ``prefix`` is empty. The first line is NFKC-folded, so ``！ｈｅｌｐ`` and ``＃１２`` work.
    ``today`` is the local date, used by the form for ``내일`` and dates without a year.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip().split("\n")
    head = unicodedata.normalize("NFKC", lines[0]).rstrip()
    prefix = unicodedata.normalize("NFKC", prefix)
    after = head.removeprefix(prefix)
    if len(after) == len(head) or not _starts_with_word(after):
        return None
    verb, rest = resolve(after, prefix)
    return _build(verb, rest, lines[1:], prefix, today)


def _no_campaign_send(campaign_id: int, prefix: str) -> CommandError:
    """A whole campaign is not sent now from chat: too many rooms for one command."""
    return CommandError(
        "ID",
        f"캠페인 C{campaign_id}의 모든 방으로 지금 보내는 명령은 없습니다. 미리 보려면 "
        f"{prefix}스케줄 테스트 C{campaign_id}, 한 방만 지금 보내려면 그 방의 스케줄 "
        f"번호로 보내 주세요 ({prefix}스케줄 보기 C{campaign_id} 에서 확인).",
        f"{prefix}스케줄 테스트 C{campaign_id}",
    )


def _pause_date(rest: str, more: list[str], example: str, today: date) -> date:
    """The date a pause lasts through: the rest of the line, e.g. ``2026-12-31``."""
    nothing_more("", more, example)
    if not rest.strip():
        raise CommandError("날짜", "언제까지 멈출지 날짜를 적어 주세요.", example)
    try:
        return parse_date(rest.strip(), today)
    except InvalidValue as problem:
        raise CommandError("날짜", str(problem), example) from None


def _starts_with_word(text: str) -> bool:
    first = text[:1]
    return "가" <= first <= "힣" or (first.isascii() and first.isalpha())


def _build(verb: Verb, rest: str, more: list[str], prefix: str, today: date) -> Command:
    example = f"{prefix}{verb.example}"
    match verb.action:
        case Action.HELP:
            return Help()
        case Action.SCHEDULE_LIST:
            nothing_more(rest, more, example)
            return ScheduleList()
        case Action.SCHEDULE_SHOW:
            return ScheduleShow(*only_id(rest, more, example))
        case Action.SCHEDULE_CREATE:
            lines = form_lines(rest, more)
            return ScheduleCreate(parse_form(lines, today=today) if lines else None)
        case Action.SCHEDULE_EDIT:
            found, campaign, rest = take_id(rest, example)
            return ScheduleEdit(found, edit_form(rest, more, example, today), campaign)
        case Action.SCHEDULE_DELETE:
            found, campaign, rest = take_id(rest, example)
            confirmed, rest = take_confirmation(rest, example, "삭제됩니다")
            nothing_more(rest, more, example)
            return ScheduleDelete(found, confirmed, campaign)
        case Action.SCHEDULE_ON | Action.SCHEDULE_OFF:
            found, campaign = only_id(rest, more, example)
            return ScheduleToggle(found, verb.action is Action.SCHEDULE_ON, campaign)
        case Action.SCHEDULE_SKIP:
            return ScheduleSkip(*only_id(rest, more, example))
        case Action.SCHEDULE_PAUSE:
            found, campaign, rest = take_id(rest, example)
            return SchedulePause(found, _pause_date(rest, more, example, today), campaign)
        case Action.SCHEDULE_TEST | Action.SCHEDULE_SEND:
            found, campaign, rest = take_id(rest, example)
            if campaign and verb.action is Action.SCHEDULE_SEND:
                raise _no_campaign_send(found, prefix)
            confirmed, rest = take_confirmation(rest, example, "방이 비는 대로 보냅니다")
            nothing_more(rest, more, example)
            kind = ScheduleTest if verb.action is Action.SCHEDULE_TEST else ScheduleSend
            return kind(found, confirmed, campaign)
        case Action.SCHEDULE_LOGS:
            return ScheduleLogs(*only_id(rest, more, example))
        case Action.SCHEDULE_PREVIEW:
            found, campaign, rest = take_id(rest, example)
            nothing_more("", more, example)
            return SchedulePreview(found, " ".join(rest.split()) or None, campaign)
        case Action.TEMPLATE_SAVE:
            name, text = template_text(rest, more, example, today)
            return TemplateSave(name, text)
        case Action.TEMPLATE_LIST:
            nothing_more(rest, more, example)
            return TemplateList()
        case Action.TEMPLATE_DELETE:
            return TemplateDelete(template_name(rest, more, example))
        case Action.ROOM_REGISTER:
            code = one_word(rest, more, example, "조직코드", "등록할 조직의 코드", _ORG_CODE_MAX)
            return RoomRegister(code)
        case Action.WEB_LOGIN:
            nothing_more(rest, more, example)
            return WebLogin()
        case Action.WHO_AM_I:
            nothing_more(rest, more, example)
            return WhoAmI()
        case Action.ADMIN_VERIFY:
            code = one_word(rest, more, example, "인증코드", "받은 인증 코드", _VERIFY_CODE_MAX)
            return AdminVerify(code)
        case Action.ADMIN_LIST:
            nothing_more(rest, more, example)
            return AdminList()
        case Action.ADMIN_DEACTIVATE:
            what = "해제할 관리자의 카카오ID"
            return AdminDeactivate(one_word(rest, more, example, "카카오ID", what, _KAKAO_ID_MAX))
        case Action.ADMIN_INVITE:
            org_code, name = org_and_name(rest, more, example, _ORG_CODE_MAX)
            return AdminInvite(org_code, name)
        case Action.REPORT:
            found, campaign, rest = take_id(rest, example)
            return Report(found, campaign, *report_dates(rest, more, example, today))
        case _:
            assert_never(verb.action)
