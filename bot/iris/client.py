"""Send through Iris devices over HTTP (docs/iris.md), paced per device.

Error rule (what ``SendError.retryable`` means for Iris):
- no answer within ``timeout_s``, connection refused/reset, broken response: retryable;
- HTTP 408, 429 and 5xx: retryable, except
- HTTP 5xx with Iris's error shape ``{"status": false, "message": ...}`` whose message is a
  malformed-request exception (non-numeric room, unknown type, undecodable body or image):
  permanent, because sending the same request again fails the same way;
- any other 4xx: permanent;
- 2xx: success, unless the body says ``"success": false`` or ``"status": false`` (permanent).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from bot.iris.devices import DeviceQueue, Gate, IrisDevice, Job
from bot.sender import (
    PRIORITY_SCHEDULED,
    BotSender,
    Failure,
    SendError,
    SendResult,
    check_images,
    check_text,
)
from core.clock import Clock

__all__ = ["IrisDevice", "IrisSender", "classify_response"]

log = logging.getLogger("kbot.iris")

_ROOM_ID = re.compile(r"[0-9]{1,19}")

# Messages of exceptions Iris raises while reading a malformed /reply request.
_BAD_REQUEST = re.compile(
    r"for input string|numberformat|failed to convert request body|cannot transform"
    r"|illegal input|serializ|is required for type|does not contain element"
    r"|is not a json|illegal base64|bad base-64|unknown (?:reply |message )?type",
    re.IGNORECASE,
)


class IrisSender(BotSender):
    """``BotSender`` for one or more Iris devices; create one per process.

    Each device has its own ``DeviceQueue`` (pacing: ``bot.iris.devices``; replies before
    scheduled sends: ``bot.sender``); ``room_device`` maps a room to a device name
    (``None``: the first device). ``gates`` hold every device's queue (breaker pause,
    budgets: ``bot.iris.devices``); while a device is held, ``standby_for(room, device)``
    names a device that may take that room's waiting request instead (None: it waits).
    ``start()`` launches the queue workers; ``close()`` stops them and fails whatever was
    still waiting (retryable). The session is not closed here: its owner closes it.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        devices: Sequence[IrisDevice],
        clock: Clock,
        room_device: Callable[[str], str | None] = lambda room: None,
        *,
        gates: Sequence[Gate] = (),
        standby_for: Callable[[str, str], str | None] = lambda room, device: None,
    ) -> None:
        if not devices:
            raise ValueError("IrisSender needs at least one device")
        names = [device.name for device in devices]
        if len(set(names)) != len(names):
            raise ValueError(f"Iris device names must be unique: {names}")
        self._session = session
        self._devices = {device.name: device for device in devices}
        self._default = devices[0].name
        self._clock = clock
        self._room_device = room_device
        self._standby_for = standby_for
        self._queues = {
            device.name: DeviceQueue(
                device.name,
                clock,
                jitter_ms=device.jitter_ms,
                gates=gates,
                handoff=self._handoff(device.name),
            )
            for device in devices
        }
        self.last_config_ok: dict[str, datetime | None] = dict.fromkeys(names)

    async def start(self) -> None:
        for queue in self._queues.values():
            queue.start()

    async def close(self) -> None:
        for queue in self._queues.values():
            await queue.close()

    def queue_depth(self, device: str) -> int:
        return self._queues[device].depth()

    def held_s(self, device: str) -> float:
        """How long the gates hold ``device`` now (0: it sends)."""
        return self._queues[device].held_s

    @property
    def devices(self) -> list[IrisDevice]:
        return list(self._devices.values())

    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        check_text(text)
        payload = {"type": "text", "room": room_id, "data": text}
        return await self._submit(
            room_id, payload, image=False, priority=priority, deadline=deadline
        )

    async def send_images(
        self,
        room_id: str,
        images: Sequence[bytes],
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        check_images(images)
        encoded = [base64.b64encode(image).decode("ascii") for image in images]
        payload: dict[str, Any] = (
            {"type": "image", "room": room_id, "data": encoded[0]}
            if len(encoded) == 1
            else {"type": "image_multiple", "room": room_id, "data": encoded}
        )
        return await self._submit(
            room_id, payload, image=True, priority=priority, deadline=deadline
        )

    async def send_text_via(
        self, device: str, room_id: str, text: str, *, priority: int = PRIORITY_SCHEDULED
    ) -> SendResult:
        """``send_text`` through the named device, whatever device serves the room (the
        breaker's alerts go through a device that is not paused)."""
        check_text(text)
        payload = {"type": "text", "room": room_id, "data": text}
        return await self._submit(
            room_id, payload, image=False, priority=priority, deadline=None, via=device
        )

    def device_for(self, room_id: str) -> str:
        """The name of the device that sends to ``room_id``."""
        return self._room_device(room_id) or self._default

    async def query(self, device: str, sql: str, bind: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The rows of ``sql`` on a device's own KakaoTalk database (``POST /query``, not
        paced: it reads, it sends nothing). Any error, or an answer without a ``data`` list of
        objects, raises ``SendError``."""
        target = self._device(device)
        payload = {"query": sql, "bind": list(bind)}
        status, body = await _exchange(self._session, target, "POST", "/query", payload)
        rows = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
            rows = None
        if not 200 <= status < 300 or _is_iris_error(body) or rows is None:
            what = f"Iris {target.name}: POST /query answered HTTP {status}: {_message(body)}"
            raise _rejected(what, status, body)
        return [dict(row) for row in rows]

    async def fetch_config(self, device: str | None = None) -> dict[str, Any]:
        """``GET /config`` of a device (default: the first); records ``last_config_ok``."""
        target = self._device(device or self._default)
        status, body = await _exchange(self._session, target, "GET", "/config", None)
        if not 200 <= status < 300 or not isinstance(body, dict):
            raise _rejected(f"Iris {target.name}: GET /config answered HTTP {status}", status, body)
        self.last_config_ok[target.name] = self._clock.now()
        return body

    async def _submit(
        self,
        room_id: str,
        payload: dict[str, Any],
        *,
        image: bool,
        priority: int,
        deadline: datetime | None,
        via: str | None = None,
    ) -> SendResult:
        if not _ROOM_ID.fullmatch(room_id):
            raise SendError(
                f"Iris rooms are numeric chat ids, got {room_id!r}",
                retryable=False,
                failure=Failure.BAD_ROOM,
            )
        device = self._device(via or self.device_for(room_id))
        start_by = None
        if deadline is not None:
            left = (deadline - self._clock.now()).total_seconds()
            start_by = self._clock.monotonic() + left
        request = _Reply(self._post_reply, self._devices, payload, image)
        return await self._queues[device.name].submit(
            request, gap_s=request.gap_s(device), priority=priority, room=room_id, deadline=start_by
        )

    def _handoff(self, name: str) -> Callable[[Job], bool]:
        """While ``name`` is held: give a waiting request to its standby when the standby is
        known to be in the room and not held itself. The request moves (one future, one
        ``/reply``), paced by the standby's own gap; nothing already sent is repeated."""

        def handoff(job: Job) -> bool:
            standby = self._standby_for(job.room, name) if job.room else None
            queue = self._queues.get(standby) if standby else None
            if queue is None or queue.held_s > 0:
                return False
            if isinstance(job.request, _Reply):
                job.gap_s = job.request.gap_s(self._devices[queue.name])
            log.info("Iris %s is held: its request to room %s goes to %s", name, job.room, standby)
            queue.adopt(job)
            return True

        return handoff

    async def _post_reply(self, device: IrisDevice, payload: dict[str, Any]) -> SendResult:
        try:
            status, body = await _exchange(self._session, device, "POST", "/reply", payload)
            result = classify_response(status, body)
        except SendError as exc:
            log.warning(
                "Iris %s: %s to room %s failed: %s (retryable=%s)",
                device.name,
                payload["type"],
                payload["room"],
                exc,
                exc.retryable,
            )
            raise
        log.debug("Iris %s: %s to room %s queued", device.name, payload["type"], payload["room"])
        return SendResult(result.ok, result.raw, result.status, device=device.name)

    def _device(self, name: str) -> IrisDevice:
        try:
            return self._devices[name]
        except KeyError:
            raise SendError(
                f"unknown Iris device {name!r}", retryable=False, failure=Failure.CONFIG
            ) from None


@dataclass(frozen=True)
class _Reply:
    """One ``/reply`` request, sent by whichever device's queue runs it (its own, or a
    standby's after a handoff)."""

    post: Callable[[IrisDevice, dict[str, Any]], Awaitable[SendResult]]
    devices: Mapping[str, IrisDevice]
    payload: dict[str, Any]
    image: bool

    def gap_s(self, device: IrisDevice) -> float:
        """How long ``device`` stays untouched after sending it."""
        return (device.image_gap_ms if self.image else device.text_gap_ms) / 1000

    async def __call__(self, queue: DeviceQueue) -> SendResult:
        return await self.post(self.devices[queue.name], self.payload)


async def _exchange(
    session: aiohttp.ClientSession, device: IrisDevice, method: str, path: str, payload: Any
) -> tuple[int, Any]:
    """One HTTP request to a device: ``(status, parsed body)``. Transport failures
    (timeout, refused, reset, broken answer) become retryable ``SendError``s."""
    url = device.url.rstrip("/") + path
    what = f"Iris {device.name}: {method} {url}"
    try:
        async with session.request(
            method, url, json=payload, timeout=aiohttp.ClientTimeout(total=device.timeout_s)
        ) as response:
            return response.status, _parse(await response.read())
    except TimeoutError as exc:
        raise SendError(
            f"{what}: no answer within {device.timeout_s} s",
            retryable=True,
            failure=Failure.TIMEOUT,
            timeout_s=device.timeout_s,
        ) from exc
    except aiohttp.InvalidURL as exc:
        raise SendError(f"{what}: invalid URL", retryable=False, failure=Failure.CONFIG) from exc
    except aiohttp.ClientError as exc:
        raise SendError(f"{what}: {exc!r}", retryable=True, failure=Failure.UNREACHABLE) from exc


def classify_response(status: int, body: Any) -> SendResult:
    """Turn an Iris ``/reply`` answer into a result or raise ``SendError`` (module rule)."""
    if 200 <= status < 300:
        if isinstance(body, Mapping) and (
            body.get("success") is False or body.get("status") is False
        ):
            raise SendError(
                f"Iris refused: {_message(body)}",
                retryable=False,
                status=status,
                raw=body,
                failure=Failure.REFUSED,
            )
        return SendResult(ok=True, raw=body, status=status)
    retryable = _retryable_status(status)
    if status >= 500 and _is_iris_error(body) and _BAD_REQUEST.search(_message(body)):
        retryable = False
    raise _rejected(f"Iris answered HTTP {status}: {_message(body)}", status, body, retryable)


def _rejected(message: str, status: int, body: Any, retryable: bool | None = None) -> SendError:
    """An HTTP error answer (retryable by its status unless ``retryable`` says)."""
    retry = _retryable_status(status) if retryable is None else retryable
    return SendError(message, retryable=retry, status=status, raw=body, failure=Failure.REJECTED)


def _retryable_status(status: int) -> bool:
    return status >= 500 or status in (408, 429)


def _is_iris_error(body: Any) -> bool:
    return isinstance(body, Mapping) and body.get("status") is False


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        return str(body.get("message", body))
    return str(body)[:300]


def _parse(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")
