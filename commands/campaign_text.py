"""Korean chat text for campaigns (one message, many rooms, one ``kb_schedule`` row per room):
the list line, the details, what an edit changed. A campaign is ``C12``
(``services.campaigns.campaign_label``), never ``#12``, which is a schedule."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType

from commands.format import link_note, list_entries, next_line, split_messages
from core.human import duration
from scheduler.schedule_rule import ExtraColumns
from services.campaigns import campaign_label
from services.rule_values import NOTIFY_WORDS
from services.schedule_labels import clock, rule, when
from storage.kbot_models import Campaign, Room
from storage.models import Schedule

ROOMS_SHOWN = 20  # room names a campaign's details list before "외 N개"
CHANGES_SHOWN = 10  # room names an edit's reply lists per change
_STATUS = (("active", "활성"), ("inactive", "비활성"), ("completed", "완료"), ("error", "오류"))

Rows = Sequence[tuple[Schedule, Room | None]]


def room_name(row: Schedule, room: Room | None) -> str:
    return room.name if room else row.target_room_id


def names(found: Sequence[str], shown: int) -> str:
    """``a, b, c 외 N개`` after ``shown`` names."""
    head = ", ".join(found[:shown])
    return head + (f" 외 {len(found) - shown}개" if len(found) > shown else "")


def first_due(rows: Rows) -> list[tuple[Schedule, Room | None]]:
    """The active rows with a next send, earliest first (then by id)."""
    due = [(row, room, row.next_send_at) for row, room in rows if row.status == "active"]
    timed = [(row, room, at) for row, room, at in due if at is not None]
    return [(row, room) for row, room, _ in sorted(timed, key=lambda t: (t[2], t[0].id))]


def list_lines(
    rows: Rows,
    campaign_ids: dict[int, int],
    today: date,
    *,
    grouped: bool,
    extras: Mapping[int, ExtraColumns] = MappingProxyType({}),
) -> list[str]:
    """The list's entries in the rows' order. ``grouped`` (the 1:1 chat): a campaign's rows are
    one line where its first row is, ``C12 제목 — N개 방, 다음 ...``; else (a group room, only
    its own rows) each row is its own entry, marked ``(캠페인 C12)``."""
    if not grouped:
        return [
            entry.replace("\n", f" (캠페인 {campaign_label(campaign_ids[row.id])})\n", 1)
            if row.id in campaign_ids
            else entry
            for entry, (row, _) in zip(list_entries(rows, today, extras), rows, strict=True)
        ]
    members: dict[int, list[tuple[Schedule, Room | None]]] = {}
    for row, room in rows:
        if row.id in campaign_ids:
            members.setdefault(campaign_ids[row.id], []).append((row, room))
    out: list[str] = []
    for row, room in rows:
        campaign_id = campaign_ids.get(row.id)
        if campaign_id is None:
            out += list_entries([(row, room)], today, extras)
        elif campaign_id in members:
            out.append(_campaign_line(campaign_id, members.pop(campaign_id), today, extras))
    return out


def _campaign_line(
    campaign_id: int, rows: Rows, today: date, extras: Mapping[int, ExtraColumns]
) -> str:
    first = min((row for row, _ in rows), key=lambda row: (row.schedule_time, row.id))  # the base
    due = first_due(rows)
    upcoming = next_line(due[0][0], today) if due else "다음 발송 없음"
    return (
        f"{campaign_label(campaign_id)} {first.title} — {len(rows)}개 방, {upcoming}\n"
        f"   {rule(first, extras.get(first.id))} · {status_counts(rows)}"
    )


def status_counts(rows: Rows) -> str:
    """``활성 3 / 비활성 1`` (statuses with no row left out)."""
    counted = Counter(row.status or "" for row, _ in rows)
    shown = [f"{label} {counted[status]}" for status, label in _STATUS if counted[status]]
    return " / ".join(shown) or "없음"


def spread_line(campaign: Campaign, rows: Rows) -> str | None:
    """How ``분산:`` spreads the rows, or None without it."""
    if not campaign.spread_s or not rows:
        return None
    times = sorted(row.schedule_time for row, _ in rows)
    return (
        f"분산: {duration(campaign.spread_s * 1000)} 동안 방마다 차례로 "
        f"({clock(times[0])} ~ {clock(times[-1])})"
    )


def details(
    campaign: Campaign,
    rows: Rows,
    today: date,
    shown_due: int,
    extras: Mapping[int, ExtraColumns] = MappingProxyType({}),
    notify: str = "failures",
    public_url: str = "",
) -> list[str]:
    """A campaign's details as chat messages: title, rule, rooms, statuses, the earliest
    sends (with their rooms), the spread, the text, and how to manage one row alone."""
    label = campaign_label(campaign.id)
    lines = [f"📣 캠페인 {label} {campaign.title}"]
    if rows:
        first, _ = rows[0]
        lines.append(f"유형: {rule(first, extras.get(first.id))}")
    spread = spread_line(campaign, rows)
    if spread:
        lines.append(spread)
    lines.append(f"방: {len(rows)}개 — {names([room_name(r, m) for r, m in rows], ROOMS_SHOWN)}")
    lines.append(f"상태: {status_counts(rows)}")
    lines.append(f"알림: {NOTIFY_WORDS.get(notify, NOTIFY_WORDS['failures'])}")
    due = first_due(rows)[:shown_due]
    sends = [f"{when(r.next_send_at, today)} {room_name(r, m)}" for r, m in due if r.next_send_at]
    lines.append(f"다음 발송: {', '.join(sends) or '없음'}")
    if rows and rows[0][0].message_text:
        text = rows[0][0].message_text or ""
        lines += ["내용:", text, *link_note(text, public_url)]
    ids = ", ".join(f"#{row.id}" for row, _ in rows[:3])
    lines.append(f"한 방만 관리하려면 그 방의 스케줄 번호({ids} ...)로 명령하세요.")
    return split_messages("", ["\n".join(lines)])


def changes(added: Sequence[str], removed: Sequence[str]) -> str:
    """What a ``방:`` refresh changed: ``방 2개 추가: a, b / 1개 제외: c``."""
    parts = []
    if added:
        parts.append(f"방 {len(added)}개 추가: {names(added, CHANGES_SHOWN)}")
    if removed:
        parts.append(f"{len(removed)}개 제외: {names(removed, CHANGES_SHOWN)}")
    return " / ".join(parts) if parts else "방 변동 없음"


def upcoming_line(moments: list[datetime], today: date) -> str:
    return "다음 발송: " + (", ".join(when(t, today) for t in moments) or "없음")
