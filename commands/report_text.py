"""The chat's ``!리포트`` summary (pure): a few Korean lines of a schedule's or a campaign's
report numbers (``services.reports``), the worst rooms of a campaign, and the short notes
on what the numbers mean and cannot see (``services.report_notes``)."""

from __future__ import annotations

from services.logs import DateWindow
from services.report_math import Numbers
from services.report_notes import short_notes
from services.reports import CampaignReport

WORST_ROOMS = 3


def _window(window: DateWindow) -> str:
    return f"{window.first}~{window.last}"


def number_lines(n: Numbers) -> list[str]:
    rate = "-" if n.on_time_rate is None else f"{n.on_time_rate * 100:.1f}%"
    late = (
        "-" if n.lateness_p50_s is None else f"p50 {n.lateness_p50_s}초 / p95 {n.lateness_p95_s}초"
    )
    lines = [
        f"발송 {n.sends}건 · 확인 {n.confirmed} · 미확인 {n.unconfirmed} · 실패 {n.failed}"
        f" · 누락 {n.missed}",
        f"정시율 {rate} · 지연 {late}",
        f"답장 {n.replies} · 클릭 {n.clicks}",
    ]
    if n.activity_after is None:
        lines.append("방 활동: 비교할 기록 없음")
    else:
        ratio = "" if n.activity_ratio is None else f" (×{n.activity_ratio})"
        lines.append(
            f"방 활동(발송 후 2시간) {n.activity_after}건, 평소 {n.activity_baseline}건{ratio}"
        )
    return lines


def schedule_summary(label: str, window: DateWindow, numbers: Numbers | None) -> str:
    head = f"📊 {label} 리포트 ({_window(window)})"
    if numbers is None:
        return f"{head}\n이 기간에 발송 기록이 없습니다."
    return "\n".join([head, *number_lines(numbers), short_notes()])


def campaign_summary(label: str, window: DateWindow, report: CampaignReport | None) -> str:
    head = f"📊 {label} 리포트 ({_window(window)})"
    if report is None:
        return f"{head}\n이 기간에 발송 기록이 없습니다."
    lines = [head, f"방 {report.rooms}개", *number_lines(report)]
    worst = report.worst_rooms(WORST_ROOMS)
    if worst:
        named = [
            f"{r.room_name or r.room_id}(실패 {r.failed}, 누락 {r.missed}, 미확인 {r.unconfirmed})"
            for r in worst
        ]
        lines.append("점검할 방: " + ", ".join(named))
    return "\n".join([*lines, short_notes()])
