"""The account budgets: a ``Gate`` that keeps each Iris device under its ``max_per_minute``,
``max_per_hour`` and ``max_per_day``.

Before each request of a budgeted device, one transaction holds the device across processes
and counts its sends of the last minute, hour and day in the ledger (``storage.device_ledger``):
under every limit, the send is recorded and goes (0); otherwise the gate answers the seconds
until the oldest counted send leaves the full window, and the queue waits (never drops). The
ledger is in the database, so budgets hold across restarts and across kbot processes sharing
it. A device without budgets never touches the database here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.devices import IrisDevice
from core.clock import Clock
from storage import device_ledger
from storage.device_ledger import Limits, Usage

PRUNE_EVERY_S = 3600.0


class BudgetGate:
    """``bot.iris.devices.Gate`` for the budgets; ``usage`` is the last known use per device
    (refreshed by ``refresh`` and by every decision), for /healthz and /metrics."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        devices: Sequence[IrisDevice],
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.limits = {
            d.name: Limits(d.max_per_minute, d.max_per_hour, d.max_per_day)
            for d in devices
            if d.budgeted
        }
        self.usage: dict[str, Usage] = dict.fromkeys(self.limits, Usage())
        self._pruned_at = -PRUNE_EVERY_S

    async def hold_s(self, device: str) -> float:
        limits = self.limits.get(device)
        if limits is None:
            return 0.0
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            wait, self.usage[device] = await device_ledger.take(session, device, limits, now)
        return wait

    async def refresh(self) -> None:
        """Reload every budgeted device's use; prune the ledger now and then."""
        if not self.limits:
            return
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            if self._clock.monotonic() - self._pruned_at >= PRUNE_EVERY_S:
                self._pruned_at = self._clock.monotonic()
                await device_ledger.prune(session, now)
            found = await device_ledger.usage(session, now)
        self.usage = {name: found.get(name, Usage()) for name in self.limits}
