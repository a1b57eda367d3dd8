"""What every outbound transport promises: ``BotSender``, its result and its error.

Priorities (``priority=`` on every send): a lower value goes first. ``PRIORITY_REPLY`` is
for answers to a command somebody just typed; ``PRIORITY_SCHEDULED`` is for scheduled
sends. A transport that queues (Iris) serves waiting replies before waiting scheduled
sends, first-in first-out within one priority; it never interrupts a request already on
the wire, and a reply still waits the device's pacing gap. Replies come from people typing,
so they cannot starve scheduled sends for long.

``deadline`` (aware) is the latest time the request may start: a transport that makes it
wait (Iris: a paused device, an exhausted budget) fails it with ``Failure.LATE`` instead of
sending it later. None: no deadline.

Errors: a send either returns a ``SendResult`` or raises ``SendError``. ``retryable`` says
whether sending the same request again later may succeed (timeouts, refused or reset
connections, gateway and overload answers). A timeout may still have been delivered, so a
retry can duplicate a message. Transports never retry on their own: the caller decides.
``failure`` says what went wrong in a machine-readable way; ``reason`` is the short Korean
sentence people read (log rows, chat replies, API answers), while ``str()`` keeps the
technical detail (URL, exception, body) for ``api_response`` and the server log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from core.alerts import Alert, Notify

PRIORITY_REPLY = 0
PRIORITY_SCHEDULED = 1


class Failure(StrEnum):
    """What kind of failure a ``SendError`` is."""

    UNREACHABLE = "unreachable"  # no connection to the device (refused, reset, DNS, broken answer)
    TIMEOUT = "timeout"  # no answer in time (it may still have been sent)
    REJECTED = "rejected"  # the device answered with an HTTP error status
    REFUSED = "refused"  # the device answered 2xx but said the send failed
    BAD_ROOM = "bad_room"  # the room id cannot be sent to with this transport
    EMPTY = "empty"  # nothing to send
    CONFIG = "config"  # kbot's own configuration is wrong (device name, URL)
    CLOSED = "closed"  # kbot is shutting down
    LATE = "late"  # held by the device's pause or budget past the send's deadline (never sent)
    UNKNOWN = "unknown"


class SendError(Exception):
    """A send that did not reach the transport, classified for the caller."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        raw: Any = None,
        failure: Failure = Failure.UNKNOWN,
        timeout_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.raw = raw
        self.failure = failure
        self.timeout_s = timeout_s

    @property
    def reason(self) -> str:
        """The short Korean reason people read, without technical detail."""
        return failure_reason(self.failure, status=self.status, timeout_s=self.timeout_s)

    def detail(self) -> dict[str, Any]:
        """The technical detail, for ``api_response``."""
        return {"error": str(self), "failure": str(self.failure), "status": self.status} | (
            {} if self.raw is None else {"body": self.raw}
        )

    def __repr__(self) -> str:
        return f"SendError({str(self)!r}, retryable={self.retryable}, status={self.status!r})"


def failure_reason(
    failure: Failure, *, status: int | None = None, timeout_s: float | None = None
) -> str:
    """The Korean sentence for a failure (``SendError.reason``)."""
    match failure:
        case Failure.UNREACHABLE:
            return "카카오톡 봇 기기(Iris)에 연결할 수 없습니다"
        case Failure.TIMEOUT:
            waited = f" ({timeout_s:g}초)" if timeout_s is not None else ""
            return f"Iris가 응답하지 않습니다{waited}"
        case Failure.REJECTED:
            return f"Iris가 요청을 거절했습니다 (HTTP {status})"
        case Failure.REFUSED:
            return "Iris가 발송 실패로 답했습니다"
        case Failure.BAD_ROOM:
            return "보낼 방 번호가 올바르지 않습니다"
        case Failure.EMPTY:
            return "보낼 내용이 비어 있습니다"
        case Failure.CONFIG:
            return "Iris 기기 설정이 올바르지 않습니다"
        case Failure.CLOSED:
            return "kbot이 종료되는 중이라 보내지 못했습니다"
        case Failure.LATE:
            return "봇 기기의 발송 한도나 일시정지로 기다리다 허용 시간이 지나 보내지 않았습니다"
        case _:
            return "알 수 없는 오류로 보내지 못했습니다"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    raw: Any  # the parsed API response, or the dry-run record
    status: int | None = None
    # the Iris device that took the request; None where no echo confirms a send (dry run)
    device: str | None = None


class BotSender(Protocol):
    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult: ...

    async def send_images(
        self,
        room_id: str,
        images: Sequence[bytes],
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult: ...

    async def close(self) -> None: ...


def check_text(text: str) -> None:
    """Refuse a send no transport can deliver (same rule for every transport)."""
    if not text.strip():
        raise SendError("refusing to send an empty text", retryable=False, failure=Failure.EMPTY)


def check_images(images: Sequence[bytes]) -> None:
    if not images:
        raise SendError(
            "refusing to send an empty image list", retryable=False, failure=Failure.EMPTY
        )
    if any(not image for image in images):
        raise SendError("refusing to send an empty image", retryable=False, failure=Failure.EMPTY)


def chat_alerts(sender: BotSender) -> Notify:
    """Alerts go into a KakaoTalk room through the bot itself."""

    async def notify(alert: Alert) -> None:
        await sender.send_text(alert.room_id, alert.text, priority=PRIORITY_SCHEDULED)

    return notify
