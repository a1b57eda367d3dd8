"""Korean chat text for schedules: send times like ``12/1(월) 09:30``, lists, details, logs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from storage.kbot_models import Room
from storage.models import Schedule, ScheduleLog
from storage.types import WEEKDAYS

MESSAGE_LIMIT = 900  # characters per chat message; longer replies are split
_DAY = "월화수목금토일"
_TYPE = {"once": "1회", "daily": "매일", "weekly": "매주"}
_STATUS = {"active": "✅ 활성", "inactive": "⏸ 비활성", "completed": "🏁 완료", "error": "⚠️ 오류"}
_ORDER = {
    "text_first": "텍스트먼저",
    "images_first": "이미지먼저",
    "images_only": "이미지만",
    "text_only": "텍스트만",
}
_ROOM_TYPE = {"live": "운영", "test": "테스트"}
_LOG = {"success": "✅ 성공", "failed": "❌ 실패", "partial": "⚠️ 일부 실패"}


def when(moment: datetime) -> str:
    """``12/1(월) 09:30`` (seconds shown only when not zero); aware or naive local."""
    clock = _clock(moment.time())
    return f"{moment.month}/{moment.day}({_DAY[moment.weekday()]}) {clock}"


def _clock(value: time) -> str:
    return f"{value:%H:%M:%S}" if value.second else f"{value:%H:%M}"


def rule(row: Schedule) -> str:
    kind = _TYPE.get(row.schedule_type, row.schedule_type)
    if row.schedule_type == "once" and row.schedule_date is not None:
        return f"{kind} {row.schedule_date:%Y-%m-%d} {_clock(row.schedule_time)}"
    if row.schedule_type == "weekly":
        days = ",".join(
            _DAY[i] for i, d in enumerate(WEEKDAYS) if d in (row.schedule_weekdays or ())
        )
        return f"{kind} {days} {_clock(row.schedule_time)}"
    return f"{kind} {_clock(row.schedule_time)}"


def next_line(row: Schedule) -> str:
    if row.status == "active" and row.next_send_at is not None:
        return f"다음 {when(row.next_send_at)}"
    return "다음 발송 없음"


def list_entries(rows: Iterable[tuple[Schedule, Room | None]]) -> list[str]:
    return [
        f"#{row.id} {row.title}\n   {_STATUS.get(row.status or '', row.status)} · {rule(row)}"
        f" · {next_line(row)} · {room.name if room else row.target_room_id}"
        for row, room in rows
    ]


def split_messages(header: str, entries: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """``header`` then ``entries`` joined by lines, cut into messages of at most ~``limit``."""
    messages: list[str] = []
    current = header
    for entry in entries:
        if current and len(current) + 1 + len(entry) > limit:
            messages.append(current)
            current = entry
        else:
            current = f"{current}\n{entry}" if current else entry
    if current:
        messages.append(current)
    return messages


def details(
    row: Schedule, room: Room | None, upcoming: list[datetime], test_room: str | None = None
) -> str:
    images = (row.message_images or {}).get("images") or []
    lines = [
        f"#{row.id} {row.title}",
        f"상태: {_STATUS.get(row.status or '', row.status)}",
        f"방: {room.name + ' (' + row.target_room_id + ')' if room else row.target_room_id}"
        f" · {_ROOM_TYPE.get(row.target_room_type or 'live', row.target_room_type)}",
        f"유형: {rule(row)}",
        f"기간: {row.valid_from:%Y-%m-%d %H:%M} ~ {row.valid_until:%Y-%m-%d %H:%M}",
        f"순서: {_ORDER.get(row.send_order or 'text_first')} · 간격 {row.send_interval_seconds}초",
        f"이미지: {', '.join(str(i.get('id')) for i in images) if images else '없음'}",
        f"발송 횟수: {row.send_count or 0}"
        + (f" · 마지막 {when(row.last_sent_at)}" if row.last_sent_at else ""),
    ]
    if test_room:
        lines.insert(3, f"테스트방: {test_room}")
    if row.description:
        lines.insert(1, f"설명: {row.description}")
    lines.append("다음 발송: " + (", ".join(when(t) for t in upcoming) if upcoming else "없음"))
    if row.message_text:
        lines += ["내용:", row.message_text]
    return "\n".join(lines)


def saved(row: Schedule, verb: str, upcoming: list[datetime]) -> str:
    times = ", ".join(when(t) for t in upcoming) if upcoming else "없음"
    return f"✅ #{row.id} {row.title} — {verb}했습니다.\n{rule(row)}\n다음 발송: {times}"


LOG_REASON_LIMIT = 80  # characters of a log's error shown per line


def log_lines(logs: list[ScheduleLog]) -> list[str]:
    out = []
    for log in logs:
        line = f"{when(log.scheduled_at)} {_LOG.get(log.status, log.status)}"
        if log.error_message:
            line += f" — {cut(log.error_message, LOG_REASON_LIMIT)}"
        out.append(line)
    return out


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut between words with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,.:;—-") + "…"
