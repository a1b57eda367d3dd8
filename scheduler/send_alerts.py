"""The alerts a failed, partial or refused send raises: one ``Alert`` per room to tell (the
schedule's notify room, the ops room), all with the same short Korean text."""

from __future__ import annotations

from core.alerts import Alert, AlertKind
from core.plain_text import clean
from scheduler.held import Held, SendColumns
from scheduler.logbook import Closed, Result

ALERT_TITLE_MAX = 80
ALERT_REASON_MAX = 300


def send_alerts(row: SendColumns, occ: Held, result: Result, closed: Closed) -> list[Alert]:
    """The alerts for a finished send; none when it raised no alert (``closed.alert_rooms``)."""
    if not closed.alert_rooms:
        return []
    if closed.now_error:
        kind = AlertKind.SCHEDULE_ERROR
    elif result.access:
        kind = AlertKind.ACCESS_REFUSED
    elif result.status == "partial":
        kind = AlertKind.SEND_PARTIAL
    else:
        kind = AlertKind.SEND_FAILED
    text = alert_text(row, occ, result, closed)
    return [
        Alert(kind, room, text, schedule_id=row.id, campaign_id=closed.campaign_id)
        for room in closed.alert_rooms
    ]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def alert_text(row: SendColumns, occ: Held, result: Result, closed: Closed) -> str:
    """The Korean alert for a failed, partial or refused send, kept short whatever the row
    holds (its title may come from the PHP site)."""
    if result.access:
        outcome = "발송 거부"
    elif result.status == "partial":
        outcome = "일부만 발송됨"
    else:
        outcome = "발송 실패"
    title = clean(row.title)
    lines = [
        f"[발송 알림] 스케줄 #{row.id} '{_cut(title, ALERT_TITLE_MAX)}' {outcome}",
        f"예정 시각: {occ.scheduled_at:%Y-%m-%d %H:%M}",
        f"대상 방: {occ.target_room_id}",
        f"사유: {_cut(result.error or '알 수 없음', ALERT_REASON_MAX)}",
    ]
    if closed.now_error and result.stops:
        lines.append(
            "보낼 수 없는 이미지가 있어 스케줄이 '오류' 상태가 되어 발송이 중지되었습니다. "
            "이미지를 확인한 뒤 다시 켜 주세요."
        )
    elif closed.now_error:
        lines.append("연속 실패로 스케줄이 '오류' 상태가 되어 발송이 중지되었습니다.")
    elif result.access:
        lines.append(
            "스케줄은 켜진 채로 남아 있어, 방과 조직이 다시 활성화되면(사유가 해소되면) "
            "다음 예정 시각부터 다시 발송됩니다. "
            "같은 사유가 이어지는 동안에는 다시 알리지 않습니다."
        )
    return "\n".join(lines)
