"""The Korean texts of live notices (``scheduler.notices``): a send's result and a campaign
round's summary. Pure: every value shown may come from a row anyone with SQL wrote, so it is
cleaned and cut here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.plain_text import clean
from storage.send_record import confirmation_of

Result = Literal["confirmed", "unconfirmed", "sent", "failed", "partial", "missed", "none"]
WORDS: dict[Result, str] = {
    "confirmed": "확인됨",
    "unconfirmed": "미확인(에코 없음)",
    "sent": "발송됨(확인 불가)",
    "failed": "발송 실패",
    "partial": "일부만 발송됨",
    "missed": "건너뜀",
    "none": "결과 없음",
}
TITLE_MAX = 60
NAME_MAX = 40
REASON_MAX = 200
NAMES_SHOWN = 3  # rooms named per line of a summary; the rest are "외 N개"
_DAY = "월화수목금토일"


def result_of(status: str, error: str | None, api_response: object) -> Result | None:
    """What a send log row (``kb_schedule_logs``) ended as; None while its confirmation is
    still pending (the outcome is not known yet)."""
    if (error or "").startswith("skipped: "):
        return "missed"
    if status == "failed":
        return "failed"
    confirmation = confirmation_of(api_response)
    if confirmation == "pending":
        return None
    if status == "partial":
        return "partial"
    if confirmation in ("confirmed", "unconfirmed"):
        return confirmation
    return "sent"


def cut(text: str | None, limit: int) -> str:
    value = clean(text or "")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def when(at: datetime) -> str:
    """``12/3(목) 09:00`` (naive local)."""
    return f"{at.month}/{at.day}({_DAY[at.weekday()]}) {at:%H:%M}"


@dataclass(frozen=True, slots=True)
class SendResult:
    schedule_id: int
    title: str
    scheduled_at: datetime  # naive local
    room: str  # the room's name (or chat id)
    result: Result
    error: str | None = None
    now_error: bool = False  # the schedule is in status 'error' now


def send_text(sent: SendResult) -> str:
    """``[발송 결과] 스케줄 #12 '주간 특가' 12/3(목) 09:00 강남지점 공지방: 확인됨``."""
    text = (
        f"[발송 결과] 스케줄 #{sent.schedule_id} '{cut(sent.title, TITLE_MAX)}' "
        f"{when(sent.scheduled_at)} {cut(sent.room, NAME_MAX)}: {WORDS[sent.result]}"
    )
    if sent.result in ("failed", "partial", "missed"):
        text += f"\n사유: {cut(sent.error or '알 수 없음', REASON_MAX)}"
    if sent.now_error:
        text += "\n스케줄이 '오류' 상태가 되어 발송이 중지되었습니다. 확인 후 다시 켜 주세요."
    return text


def names(rooms: Sequence[str]) -> str:
    """A few room names, the rest counted: ``A, B, C 외 2개``."""
    shown = ", ".join(cut(name, NAME_MAX) for name in rooms[:NAMES_SHOWN])
    rest = len(rooms) - NAMES_SHOWN
    return f"{shown} 외 {rest}개" if rest > 0 else shown


def campaign_text(campaign_id: int, title: str, results: Sequence[tuple[str, Result]]) -> str:
    """``[캠페인 C3 '주간 특가' 결과] 12개 방 중 11개 확인, 1개 실패: 서초지점 공지방``;
    ``results``: (room name, result) per room of the round."""
    by: dict[Result, list[str]] = {}
    for room, result in results:
        by.setdefault("failed" if result == "partial" else result, []).append(room)
    counts = [f"{len(by.get('confirmed', []))}개 확인"]
    troubles: list[tuple[str, list[str]]] = []
    for result, word in (
        ("sent", "발송(확인 불가)"),
        ("unconfirmed", "미확인"),
        ("failed", "실패"),
        ("missed", "건너뜀"),
        ("none", "결과 없음"),
    ):
        rooms = sorted(by.get(result, []))
        if rooms:
            counts.append(f"{len(rooms)}개 {word}")
            if result != "sent":
                troubles.append((word, rooms))
    head = (
        f"[캠페인 C{campaign_id} '{cut(title, TITLE_MAX)}' 결과] "
        f"{len(results)}개 방 중 {', '.join(counts)}"
    )
    if len(troubles) == 1:
        return f"{head}: {names(troubles[0][1])}"
    return "\n".join([head, *(f"{word}: {names(rooms)}" for word, rooms in troubles)])
