"""The verb table: the one list of chat commands that drives parsing and the help text.

Each verb is one or two words after the prefix (``!스케줄 보기``), every word given as its
synonyms with the Korean word first and English aliases after it. Common misspellings
(``스케쥴``) are corrected by ``respell`` before any word of a command or form key is matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from commands.grammar.errors import CommandError
from core.particles import attach
from core.plain_text import respell
from services.errors import quote


class Action(StrEnum):
    HELP = "help"
    SCHEDULE_LIST = "schedule.list"
    SCHEDULE_SHOW = "schedule.show"
    SCHEDULE_CREATE = "schedule.create"
    SCHEDULE_EDIT = "schedule.edit"
    SCHEDULE_DELETE = "schedule.delete"
    SCHEDULE_ON = "schedule.on"
    SCHEDULE_OFF = "schedule.off"
    SCHEDULE_TEST = "schedule.test"
    SCHEDULE_SEND = "schedule.send"
    SCHEDULE_LOGS = "schedule.logs"
    SCHEDULE_PREVIEW = "schedule.preview"
    SCHEDULE_SKIP = "schedule.skip"
    SCHEDULE_PAUSE = "schedule.pause"
    TEMPLATE_SAVE = "template.save"
    TEMPLATE_LIST = "template.list"
    TEMPLATE_DELETE = "template.delete"
    ROOM_REGISTER = "room.register"
    WEB_LOGIN = "web.login"
    WHO_AM_I = "whoami"
    ADMIN_VERIFY = "admin.verify"
    ADMIN_LIST = "admin.list"
    ADMIN_DEACTIVATE = "admin.deactivate"
    ADMIN_INVITE = "admin.invite"
    REPORT = "report"


@dataclass(frozen=True, slots=True)
class Verb:
    action: Action
    words: tuple[tuple[str, ...], ...]  # per word: synonyms, Korean first, all lower case
    args: str  # what follows the words in the usage line, "" when nothing
    description: str  # Korean, one line
    example: str  # the whole command without the prefix; may span lines
    example_in_help: bool = True  # False: the help shows the usage line only (it must fit)

    @property
    def korean(self) -> str:
        return " ".join(synonyms[0] for synonyms in self.words)

    @property
    def english(self) -> str:
        return " ".join(synonyms[1] for synonyms in self.words)


_SCHEDULE = ("스케줄", "schedule")
_ADMIN = ("관리자", "admin")
_TEMPLATE = ("템플릿", "template")

VERBS: tuple[Verb, ...] = (
    Verb(Action.HELP, (("도움말", "help"),), "", "명령어 목록.", "도움말"),
    Verb(
        Action.SCHEDULE_LIST,
        (_SCHEDULE, ("목록", "list")),
        "",
        "내 스케줄 (단톡방에선 그 방 것만).",
        "스케줄 목록",
    ),
    Verb(
        Action.SCHEDULE_SHOW,
        (_SCHEDULE, ("보기", "show")),
        "ID",
        "스케줄(캠페인은 C12)과 다음 발송 5회.",
        "스케줄 보기 12",
    ),
    Verb(
        Action.SCHEDULE_CREATE,
        (_SCHEDULE, ("등록", "create")),
        "[양식]",
        "명령만: 빈 양식, 채운 양식: 등록.",
        "스케줄 등록",
    ),
    Verb(
        Action.SCHEDULE_EDIT,
        (_SCHEDULE, ("수정", "edit")),
        "ID + 양식",
        "양식에 적은 항목만 바꿉니다.",
        "스케줄 수정 12\n시간: 10:00",
    ),
    Verb(
        Action.SCHEDULE_DELETE,
        (_SCHEDULE, ("삭제", "delete")),
        "ID [확인]",
        "스케줄 삭제 (끝에 '확인': 바로 삭제).",
        "스케줄 삭제 12 확인",
    ),
    Verb(
        Action.SCHEDULE_ON,
        (_SCHEDULE, ("켜기", "on")),
        "ID",
        "스케줄을 켭니다 (일시정지도 끝냄).",
        "스케줄 켜기 12",
    ),
    Verb(
        Action.SCHEDULE_OFF,
        (_SCHEDULE, ("끄기", "off")),
        "ID",
        "스케줄을 끕니다.",
        "스케줄 끄기 12",
    ),
    Verb(
        Action.SCHEDULE_SKIP,
        (_SCHEDULE, ("건너뛰기", "skip")),
        "ID",
        "다음 발송 한 번만 건너뜁니다.",
        "스케줄 건너뛰기 12",
    ),
    Verb(
        Action.SCHEDULE_PAUSE,
        (_SCHEDULE, ("일시정지", "pause")),
        "ID YYYY-MM-DD",
        "그 날짜까지 보내지 않습니다.",
        "스케줄 일시정지 12 2026-12-31",
        example_in_help=False,
    ),
    Verb(
        Action.SCHEDULE_TEST,
        (_SCHEDULE, ("테스트", "test")),
        "ID [확인]",
        "테스트방(없으면 테스트방·1:1 채팅인 이 방)으로 지금 보냄. 방금 보냈으면 끝에 '확인'.",
        "스케줄 테스트 12",
    ),
    Verb(
        Action.SCHEDULE_SEND,
        (_SCHEDULE, ("발송", "send")),
        "ID [확인]",
        "대상 방으로 지금 한 번 보냄(일정 그대로). 방금 보냈으면 끝에 '확인'.",
        "스케줄 발송 12",
    ),
    Verb(
        Action.SCHEDULE_LOGS,
        (_SCHEDULE, ("로그", "logs")),
        "ID",
        "최근 발송 10건과 결과.",
        "스케줄 로그 12",
    ),
    Verb(
        Action.SCHEDULE_PREVIEW,
        (_SCHEDULE, ("미리보기", "preview")),
        "ID [방]",
        "방이 받을 메시지.",
        "스케줄 미리보기 12",
    ),
    Verb(
        Action.REPORT,
        (("리포트", "report"),),
        "ID [시작일 종료일]",
        "발송 결과·반응 요약 (기본 30일).",
        "리포트 12",
    ),
    Verb(
        Action.TEMPLATE_SAVE,
        (_TEMPLATE, ("저장", "save")),
        "이름 + 내용:",
        "내 조직 템플릿 저장 (양식에 '템플릿: 이름').",
        "템플릿 저장 특가\n내용:\n{방이름} {요일} 특가",
        example_in_help=False,
    ),
    Verb(
        Action.TEMPLATE_LIST,
        (_TEMPLATE, ("목록", "list")),
        "",
        "쓸 수 있는 템플릿.",
        "템플릿 목록",
    ),
    Verb(
        Action.TEMPLATE_DELETE,
        (_TEMPLATE, ("삭제", "delete")),
        "이름",
        "내 조직 템플릿 삭제.",
        "템플릿 삭제 특가",
        example_in_help=False,
    ),
    Verb(
        Action.ROOM_REGISTER,
        (("방", "room"), ("등록", "register")),
        "조직코드",
        "이 방을 그 조직의 발송 방으로 등록.",
        "방 등록 BR001",
        example_in_help=False,
    ),
    Verb(
        Action.WEB_LOGIN,
        (("웹", "web"),),
        "",
        "웹 1회용 로그인 링크 (1:1 채팅에서만).",
        "웹",
    ),
    Verb(
        Action.WHO_AM_I,
        (("내정보", "me", "whoami"),),
        "",
        "내 관리자 정보·소속 조직 (방 목록은 1:1 채팅에서).",
        "내정보",
    ),
    Verb(
        Action.ADMIN_VERIFY,
        (_ADMIN, ("인증", "verify")),
        "코드",
        "받은 코드로 관리자 인증.",
        "관리자 인증 ABCD2345EFGH",  # the shape of a real code (storage.one_time_codes)
    ),
    Verb(
        Action.ADMIN_LIST,
        (_ADMIN, ("목록", "list")),
        "",
        "내 조직·하위 조직 관리자 (1:1 채팅에서만).",
        "관리자 목록",
    ),
    Verb(
        Action.ADMIN_DEACTIVATE,
        (_ADMIN, ("해제", "deactivate")),
        "카카오ID",
        "하위 조직 관리자 해제 (로그인·토큰 끊김, 스케줄 유지).",
        "관리자 해제 18470462837",
        example_in_help=False,
    ),
    Verb(
        Action.ADMIN_INVITE,
        (_ADMIN, ("초대", "invite")),
        "조직코드 이름",
        "새 관리자 인증 코드 (1:1 채팅에서만).",
        "관리자 초대 BR001 홍길동",
        example_in_help=False,
    ),
)


def verb_of(action: Action) -> Verb:
    """The verb of ``action`` in the table."""
    return next(verb for verb in VERBS if verb.action is action)


_TOKEN = re.compile(r"\s*(\S+)(.*)", re.DOTALL)


def take_word(text: str) -> tuple[str, str] | None:
    """The first whitespace-separated word of ``text`` and everything after it."""
    match = _TOKEN.fullmatch(text)
    return (match.group(1), match.group(2)) if match else None


def resolve(head: str, prefix: str) -> tuple[Verb, str]:
    """The verb that ``head`` (the first line after the prefix) starts with, and the rest."""
    taken = take_word(head)
    if taken is None:
        raise _unknown(head, prefix)
    first, rest = taken
    word = respell(first.casefold())
    for verb in VERBS:
        if len(verb.words) == 1 and word in verb.words[0]:
            return verb, rest
    group = [verb for verb in VERBS if len(verb.words) == 2 and word in verb.words[0]]
    second = take_word(rest)
    for verb in group:
        if second is not None and second[0].casefold() in verb.words[1]:
            return verb, second[1]
    for verb in VERBS:  # words typed without a space: "스케줄목록"
        for group_word in verb.words[0] if len(verb.words) == 2 else ():
            if word.startswith(group_word) and word[len(group_word) :] in verb.words[1]:
                return verb, rest
    if group:
        choices = ", ".join(verb.words[1][0] for verb in group)
        raise CommandError(
            "명령",
            f"{quote(prefix + first)} 다음에 {choices} 중 하나를 적어 주세요.",
            f"{prefix}{group[0].example}",
        )
    raise _unknown(first, prefix)


def _unknown(word: str, prefix: str) -> CommandError:
    return CommandError(
        "명령",
        f"{attach(quote(prefix + word), '은')} 알 수 없는 명령입니다. "
        f"{prefix}도움말 을 입력해 보세요.",
        f"{prefix}도움말",
    )


def help_text(prefix: str) -> str:
    """The Korean command list, one entry per verb in table order. A verb whose example
    adds nothing to its usage line (its words alone, or its words and a schedule id) gets no
    example line, so the list stays one chat message."""
    entries = [f"📋 명령어 목록 (영어도 됩니다: {prefix}help)"]
    for verb in VERBS:
        usage = f"{prefix}{verb.korean} {verb.args}".rstrip()
        aliases = ", ".join(f"{prefix}{alias}" for alias in _english_forms(verb))
        after = verb.example.removeprefix(verb.korean).strip()
        plain = not after or (verb.args.startswith("ID") and after.isdigit())
        if plain or not verb.example_in_help:
            entries.append(f"• {usage} ({aliases}) — {verb.description}")
            continue
        example = verb.example.replace("\n", "\n     ")
        entries.append(f"• {usage} — {verb.description}\n  예) {prefix}{example}  ({aliases})")
    return "\n".join(entries)


def _english_forms(verb: Verb) -> list[str]:
    if len(verb.words) == 1:
        return list(verb.words[0][1:])
    return [verb.english]
