"""What an alert is: a typed ``Alert`` (its kind, the room it goes to, the schedule or device
it is about, and the Korean text people read), made where the trouble is seen, and ``Notify``,
what delivers one. The scheduler's failed sends and the Iris monitor raise them; the gate
(``scheduler.alerts.AlertGate``) keys on their fields, never on their prose."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

AlertKey = tuple[str, str, str]  # (room, kind, schedule id or device)


class AlertKind(StrEnum):
    SEND_FAILED = "failed"  # a send failed
    SEND_PARTIAL = "partial"  # a send went out in part
    SCHEDULE_ERROR = "error"  # a failed send put its schedule into status 'error'
    ACCESS_REFUSED = "access"  # a send was refused: its room or an org is not in force
    IRIS_DOWN = "iris_down"  # an Iris device stopped answering
    IRIS_BACK = "iris_back"  # it answers again
    SEND_RESULT = "result"  # a send's outcome, to a schedule with 알림 모두
    CAMPAIGN_RESULT = "campaign_result"  # a campaign round's summary (알림 모두)
    WEEKLY_DIGEST = "digest"  # last week's sends, to the ops room
    RULE_DROPPED = (
        "rule_dropped"  # the PHP site edited a schedule's timing: its richer rule is gone
    )


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    room_id: str
    text: str  # exactly what the room receives
    schedule_id: int | None = None
    device: str = ""
    campaign_id: int | None = None  # the schedule is one room of this campaign
    # a notice claimed once in kbot_notices (``send:12``): its own key, never held back by
    # another send's notice (one message per send is what ``알림: 모두`` promises)
    notice: str = ""

    @property
    def key(self) -> AlertKey:
        """``(room, kind, campaign, schedule id or device)``: alerts of one key are rate
        limited together, so the rooms of one campaign failing together are one alert. A
        notice is keyed by its claim."""
        if self.notice:
            subject = self.notice
        elif self.campaign_id is not None:
            subject = f"C{self.campaign_id}"
        elif self.schedule_id is not None:
            subject = str(self.schedule_id)
        else:
            subject = self.device
        return self.room_id, self.kind.value, subject


Notify = Callable[[Alert], Awaitable[None]]  # delivers an alert; may raise bot.sender.SendError
