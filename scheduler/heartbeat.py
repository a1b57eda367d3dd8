"""The scheduler loop's heartbeat, reported by ``/healthz`` and ``/metrics``."""

from __future__ import annotations

from datetime import datetime

from core.clock import Clock


class Heartbeat:
    def __init__(self, clock: Clock, stale_after_s: float) -> None:
        self._clock = clock
        self.stale_after_s = stale_after_s
        self.last_beat: datetime | None = None

    def beat(self) -> None:
        self.last_beat = self._clock.now()

    def age_s(self) -> float | None:
        if self.last_beat is None:
            return None
        return (self._clock.now() - self.last_beat).total_seconds()

    def healthy(self) -> bool:
        age = self.age_s()
        return age is not None and age <= self.stale_after_s
