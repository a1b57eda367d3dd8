"""Rate-limited, de-duplicated alerts: ``AlertGate`` wraps a ``Notify`` and lets at most one
alert per key through every ``min_interval_s`` (clock time). An alert held back is counted,
and the next one let through for that key says how many were held back.

The key is the alert's ``(room, kind, schedule)`` (``Alert.key``): a schedule failing every
minute alerts once per interval and room, while a schedule entering ``error`` (its own kind)
is never held back by the failures before it.

An alert whose delivery fails (the ops room is reached through Iris, which may be the thing
that is down) is logged at ERROR with its text, counted as held back, and does not use up
the interval: the next alert for the key is tried at once.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from bot.sender import SendError
from core.alerts import Alert, AlertKey, Notify
from core.clock import Clock
from core.redact import redact

log = logging.getLogger("kbot.alerts")

HELD_BACK = "(같은 알림 {n}건이 더 있었으나 생략되었습니다)"


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

    async def __call__(self, alert: Alert) -> None:
        now = self._clock.monotonic()
        self._forget_quiet_keys(now)
        key = alert.key
        state = self._keys.setdefault(key, _KeyState())
        if state.last_sent is not None and now - state.last_sent < self._interval:
            state.held_back += 1
            log.info("alert %s held back (%d so far): %s", key, state.held_back, redact(alert.text))
            return
        held_back, previous = state.held_back, state.last_sent
        state.last_sent, state.held_back = now, 0  # decided before awaiting: no double send
        if held_back:
            alert = dataclasses.replace(
                alert, text=f"{alert.text}\n{HELD_BACK.format(n=held_back)}"
            )
        try:
            await self._notify(alert)
        except SendError as exc:
            state.last_sent = previous
            state.held_back += held_back + 1  # this one, those it summarised, any held meanwhile
            log.error(
                "alert to room %s not delivered (%s): %s", alert.room_id, exc, redact(alert.text)
            )

    def _forget_quiet_keys(self, now: float) -> None:
        quiet = [
            key
            for key, state in self._keys.items()
            if not state.held_back
            and (state.last_sent is None or now - state.last_sent >= self._interval)
        ]
        for key in quiet:
            del self._keys[key]
