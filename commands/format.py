"""Korean chat text for schedules: lists, details, logs, with send times and rules worded by
``services.schedule_labels`` (the pages show them the same way).

Send times show their year only when it is not the current one (``2027/1/4(월) 09:30``), so
every function that shows one takes ``today``, the local date now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType

from core.human import duration as duration  # re-exported: the web pages' filter
from core.link_url import PREVIEW_CODE, short_link
from core.message_template import links_in
from core.particles import attach, pick
from scheduler.rules import Planned
from scheduler.schedule_rule import ExtraColumns
from services.logs import confirmation_label
from services.rule_values import NOTIFY_WORDS
from services.schedule_labels import clock, rule, when
from storage.image_uses import image_ids
from storage.kbot_models import Room
from storage.models import Schedule, ScheduleLog
from storage.notices import notify_mode
from storage.send_kinds import LABELS as KIND_LABELS

MESSAGE_LIMIT = 900  # characters per chat message; longer replies are split
_STATUS = {"active": "✅ 활성", "inactive": "⏸ 비활성", "completed": "🏁 완료", "error": "⚠️ 오류"}
_ORDER = {
    "text_first": "텍스트먼저",
    "images_first": "이미지먼저",
    "images_only": "이미지만",
    "text_only": "텍스트만",
}
_ROOM_TYPE = {"live": "운영", "test": "테스트"}
_LOG = {"success": "✅ 성공", "failed": "❌ 실패", "partial": "⚠️ 일부 실패"}


def next_line(row: Schedule, today: date) -> str:
    if row.status == "active" and row.next_send_at is not None:
        return f"다음 {when(row.next_send_at, today)}"
    return "다음 발송 없음"


def list_entries(
    rows: Iterable[tuple[Schedule, Room | None]],
    today: date,
    extras: Mapping[int, ExtraColumns] = MappingProxyType({}),
) -> list[str]:
    """One entry per row; ``extras``: the rows' rules rows (their rule beyond the seed)."""
    return [
        f"#{row.id} {row.title}\n   {_STATUS.get(row.status or '', row.status)} · "
        f"{rule(row, extras.get(row.id))}"
        f" · {next_line(row, today)} · {room.name if room else row.target_room_id}"
        for row, room in rows
    ]


def elsewhere(what: str, command: str) -> str:
    """Where the rest of a group room's answer is: ``what`` only in the sender's 1:1 chat
    with the bot (``command``) or on the web page."""
    where = f"봇과의 1:1 채팅에서 {command} {pick(command, '으로')} 보거나 웹 페이지에서"
    return f"{attach(what, '은')} {where} 볼 수 있습니다."


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
    row: Schedule,
    room: Room | None,
    planned: list[Planned],
    today: date,
    test_room: str | None = None,
    extra: ExtraColumns | None = None,
    notify: str | None = None,
    public_url: str = "",
) -> str:
    images = image_ids(row.message_images)
    lines = [
        f"#{row.id} {row.title}",
        f"상태: {_STATUS.get(row.status or '', row.status)}",
        f"방: {room.name + ' (' + row.target_room_id + ')' if room else row.target_room_id}"
        f" · {_ROOM_TYPE.get(row.target_room_type or 'live', row.target_room_type)}",
        f"유형: {rule(row, extra)}",
        f"기간: {row.valid_from:%Y-%m-%d %H:%M} ~ {row.valid_until:%Y-%m-%d %H:%M}",
        f"순서: {_ORDER.get(row.send_order or 'text_first')} · 간격 {row.send_interval_seconds}초",
        f"이미지: {', '.join(map(str, images)) if images else '없음'}",
        f"발송 횟수: {row.send_count or 0}"
        + (f" · 마지막 {when(row.last_sent_at, today)}" if row.last_sent_at else ""),
        f"알림: {NOTIFY_WORDS[notify_mode(notify)]}",
    ]
    if test_room:
        lines.insert(3, f"테스트방: {test_room}")
    if row.description:
        lines.insert(1, f"설명: {row.description}")
    plain = all(item.sent and item.moved_from is None for item in planned)
    if plain:
        lines.append("다음 발송: " + _times([item.at for item in planned], today))
    else:  # a time skipped or moved among them: one line each, saying why
        lines.append("다음 발송:" + "".join(f"\n • {line}" for line in plan_lines(planned, today)))
    if row.message_text:
        lines += ["내용:", row.message_text, *link_note(row.message_text, public_url)]
    return "\n".join(lines)


def link_note(text: str, public_url: str) -> list[str]:
    """A line saying what the links of ``text`` become when sent (none without a link)."""
    count = len(links_in(text))
    if not count:
        return []
    shown = short_link(public_url, PREVIEW_CODE)
    return [f"링크 {count}개: 방마다 {shown} 주소로 바뀌어 보내지고, 누른 횟수가 집계됩니다."]


def saved(
    row: Schedule,
    verb: str,
    upcoming: list[datetime],
    today: date,
    extra: ExtraColumns | None = None,
    notes: list[str] | None = None,
) -> str:
    times = _times(upcoming, today)
    told = "".join(f"\nℹ️ {note}" for note in notes or [])
    return (
        f"✅ #{row.id} {row.title} — {verb}했습니다.\n{rule(row, extra)}\n"
        f"발송 순서: {sending_order(row)}\n다음 발송: {times}{told}"
    )


def plan_lines(planned: list[Planned], today: date) -> list[str]:
    """One line per planned time: a send, or one skipped or moved (with the holiday's name):
    ``2/8(월) 09:00 → 설날로 건너뜀``, ``2/10(수) 09:00 ← 2/9(화)에서 다음영업일로 이동 (설날)``."""
    lines = []
    for item in planned:
        shown = when(item.at, today)
        if not item.sent:
            why = {"skip": "건너뛰기로", "pause": "일시정지로"}.get(item.reason or "", "")
            shown += f" → {why or (item.holiday or '공휴일') + '로'} 건너뜀"
        elif item.moved_from is not None:
            way = "다음영업일" if item.moved_from < item.at else "이전영업일"
            shown += f" ← {when(item.moved_from, today)}에서 {way}로 이동"
            shown += f" ({item.holiday})" if item.holiday else ""
        lines.append(shown)
    return lines


def sending_order(row: Schedule) -> str:
    """What one send posts, in order: ``텍스트 → 이미지 2개 (3, 5번)``, ``텍스트만``, ..."""
    ids = [str(image_id) for image_id in image_ids(row.message_images)]
    images = f"이미지 {len(ids)}개 ({', '.join(ids)}번)"
    order = row.send_order or "text_first"
    if order == "images_only":
        return f"{images}만"
    if order == "text_only" or not ids:
        return "텍스트만" + (f" ({attach(images, '은')} 보내지 않음)" if ids else " (이미지 없음)")
    return f"텍스트 → {images}" if order == "text_first" else f"{images} → 텍스트"


def _times(moments: list[datetime], today: date) -> str:
    return ", ".join(when(t, today) for t in moments) if moments else "없음"


LOG_REASON_LIMIT = 80  # characters of a log's error shown per line


def log_lines(logs: list[tuple[ScheduleLog, str]], today: date) -> list[str]:
    """One line per (log row, kind of send): the scheduled time, the kind, the result and
    whether the bot's own echo confirmed it, the time it was sent when that is another
    minute, and why it did not fully succeed."""
    out = []
    for log, kind in logs:
        line = f"{when(log.scheduled_at, today)} {KIND_LABELS.get(kind, kind)} "
        line += _LOG.get(log.status, log.status)
        confirmation = confirmation_label(log)
        if confirmation is not None:
            line += f" · {confirmation}"
        sent = log.started_at
        if sent.replace(second=0) != log.scheduled_at.replace(second=0):
            same_day = sent.date() == log.scheduled_at.date()
            line += f" ({clock(sent.time()) if same_day else when(sent, today)}에 발송)"
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
