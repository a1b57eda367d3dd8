"""A stand-in for the gates that hold an Iris device (the breaker's pause, the budgets)."""

from __future__ import annotations

from tests.support.fakes import FakeClock


class HoldGate:
    """Holds the named devices until a time on the fake clock, or until ``release``."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.until: dict[str, float] = {}

    def hold(self, device: str, seconds: float) -> None:
        self.until[device] = self._clock.monotonic() + seconds

    def release(self, device: str) -> None:
        self.until.pop(device, None)

    async def hold_s(self, device: str) -> float:
        return self.left_s(device)

    def left_s(self, device: str) -> float:
        """The hold known without asking (as the breaker's pause tells it): a
        ``bot.iris.devices.KnownHold``."""
        return max(0.0, self.until.get(device, 0.0) - self._clock.monotonic())
