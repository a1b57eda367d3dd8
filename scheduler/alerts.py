"""Rate-limited, de-duplicated alerts: ``AlertGate`` wraps a ``notify(room_id, text)`` and
lets at most one alert per key through every ``min_interval_s`` (clock time). An alert held
back is counted, and the next one let through for that key says how many were held back.

The key is ``(room, kind, schedule)``, read from the scheduler's alert text (``alert_key``):
a schedule failing every minute alerts once per interval and room, while a schedule entering
``error`` (its own kind) is never held back by the failures before it.

An alert whose delivery fails (the ops room is reached through Iris, which may be the thing
that is down) is logged at ERROR with its text, counted as held back, and does not use up
the interval: the next alert for the key is tried at once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.sender import SendError
from core.clock import Clock
from core.redact import redact
from scheduler.context import Notify

log = logging.getLogger("kbot.alerts")

AlertKey = tuple[str, str, str]
HELD_BACK = "(같은 알림 {n}건이 더 있었으나 생략되었습니다)"
_SCHEDULE = re.compile(r"스케줄 #(\d+)")
_ERROR_MARK = "'오류' 상태"  # scheduler.logbook.alert_text: the schedule was put into error
_PARTIAL_MARK = "일부만 발송됨"


def alert_key(room_id: str, text: str) -> AlertKey:
    """``(room, kind, schedule id)`` of an alert; an unknown alert is keyed by its headline."""
    headline = text.partition("\n")[0]
    found = _SCHEDULE.search(headline)
    if found is None:
        return room_id, headline, ""
    if _ERROR_MARK in text:
        kind = "error"
    elif _PARTIAL_MARK in headline:
        kind = "partial"
    else:
        kind = "failed"
    return room_id, kind, found.group(1)


@dataclass
class _KeyState:
    last_sent: float | None = None  # clock.monotonic() of the last delivered alert
    held_back: int = 0


class AlertGate:
    """A ``Notify`` that lets one alert per key through every ``min_interval_s``."""

    def __init__(self, notify: Notify, clock: Clock, min_interval_s: float) -> None:
        self._notify = notify
        self._clock = clock
        self._interval = min_interval_s
        self._keys: dict[AlertKey, _KeyState] = {}

    async def __call__(self, room_id: str, text: str) -> None:
        now = self._clock.monotonic()
        self._forget_quiet_keys(now)
        key = alert_key(room_id, text)
        state = self._keys.setdefault(key, _KeyState())
        if state.last_sent is not None and now - state.last_sent < self._interval:
            state.held_back += 1
            log.info("alert %s held back (%d so far): %s", key, state.held_back, redact(text))
            return
        held_back, previous = state.held_back, state.last_sent
        state.last_sent, state.held_back = now, 0  # decided before awaiting: no double send
        message = f"{text}\n{HELD_BACK.format(n=held_back)}" if held_back else text
        try:
            await self._notify(room_id, message)
        except SendError as exc:
            state.last_sent = previous
            state.held_back += held_back + 1  # this one, those it summarised, any held meanwhile
            log.error("alert to room %s not delivered (%s): %s", room_id, exc, redact(message))

    def _forget_quiet_keys(self, now: float) -> None:
        quiet = [
            key
            for key, state in self._keys.items()
            if not state.held_back
            and (state.last_sent is None or now - state.last_sent >= self._interval)
        ]
        for key in quiet:
            del self._keys[key]
