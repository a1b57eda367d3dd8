"""The account's safety per Iris device, assembled: the pause gate and the breaker
(``bot.iris.breaker``), the budget gate (``bot.iris.budget``) and the restriction-notice
observer (``bot.iris.notices``). ``gates`` go to the ``IrisSender`` (pause first, then the
budgets); ``run`` is started with the Iris transport: every ``CHECK_EVERY_S`` of the injected
clock it reloads the breaker rows, announces ended pauses, trips devices that qualify and
refreshes the budget use that /healthz and /metrics show."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.events import ChatEvent
from bot.iris.breaker import AlertPath, Breaker, PauseView
from bot.iris.budget import BudgetGate
from bot.iris.devices import Gate, IrisDevice
from bot.iris.notices import restriction_notice
from core.clock import Clock
from storage.device_ledger import Limits, Usage

log = logging.getLogger("kbot.iris.safety")
CHECK_EVERY_S = 2.0


@dataclass(frozen=True, slots=True)
class DeviceSafetyState:
    """What /healthz and /metrics show of one device's safety."""

    limits: Limits
    usage: Usage
    paused_until: datetime | None  # aware UTC, only while paused
    pause_reason: str | None
    trips: int


class DeviceSafety:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        devices: Sequence[IrisDevice],
        clock: Clock,
        *,
        ops_room_id: str,
        tz: ZoneInfo,
    ) -> None:
        self._clock = clock
        self.devices = [d.name for d in devices]
        self.pause = PauseView(clock)
        self.budget = BudgetGate(sessions, devices, clock)
        self.breaker = Breaker(sessions, devices, clock, self.pause, ops_room_id=ops_room_id, tz=tz)

    @property
    def gates(self) -> list[Gate]:
        return [self.pause, self.budget]

    async def run(self, path: AlertPath) -> None:
        """Check every ``CHECK_EVERY_S`` until cancelled; alerts go through ``path``."""
        self.breaker.attach(path)
        try:
            while True:
                await self.check()
                await self._clock.sleep(CHECK_EVERY_S)
        finally:
            await self.breaker.close()

    async def check(self) -> None:
        for step in (self.breaker.check, self.budget.refresh):
            try:
                await step()
            except Exception:
                log.exception("device safety check failed")

    async def observe(self, event: ChatEvent, device: str | None) -> None:
        """A webhook observer: a restriction notice pauses the device whose webhook URL it
        came through (``device``; none: the default device)."""
        reason = restriction_notice(event)
        if reason is None:
            return
        name = device or self.breaker.default_device
        if name not in self.devices:
            log.warning("restriction notice through unknown device %r: not paused", name)
            return
        log.warning("KakaoTalk restriction notice for device %s: %r", name, event.text[:200])
        await self.breaker.trip(name, reason)

    def state(self, device: str) -> DeviceSafetyState:
        row = self.pause.row(device)
        paused = self.pause.left_s(device) > 0
        return DeviceSafetyState(
            limits=self.budget.limits.get(device, Limits()),
            usage=self.budget.usage.get(device, Usage()),
            paused_until=row.paused_until if paused else None,
            pause_reason=row.pause_reason if paused else None,
            trips=row.trips,
        )
