"""The per-device section of ``/healthz`` and ``/metrics``: each Iris device's budget use
(used/limit per window), its waiting requests, how long its gates hold it and its pause
(``bot.iris.safety``). Reported only: a paused or exhausted device does not make the process
unhealthy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.iris.safety import DeviceSafetyState
from core.clock import Clock
from core.human import local_iso
from storage.device_ledger import used_share


class DeviceQueues(Protocol):
    """What is read of the Iris sender (``bot.iris.client.IrisSender`` fits)."""

    def queue_depth(self, device: str) -> int: ...

    def held_s(self, device: str) -> float: ...


class DeviceStates(Protocol):
    """What is read of the devices' safety (``bot.iris.safety.DeviceSafety`` fits)."""

    @property
    def devices(self) -> list[str]: ...

    def state(self, device: str) -> DeviceSafetyState: ...


def devices_section(
    queues: DeviceQueues, safety: DeviceStates, tz: ZoneInfo
) -> dict[str, dict[str, object]]:
    """``/healthz``'s ``devices``: per device, ``budget`` (``{"minute": {"used", "limit"}}``
    for each window with a limit), ``waiting``, ``held_s``, ``paused_until`` (local ISO, or
    null), ``pause_reason`` and ``trips``."""
    section: dict[str, dict[str, object]] = {}
    for device in safety.devices:
        state = safety.state(device)
        section[device] = {
            "budget": {
                window: {"used": used, "limit": limit}
                for window, (used, limit) in used_share(state.usage, state.limits).items()
            },
            "waiting": queues.queue_depth(device),
            "held_s": round(_held_s(queues, device), 3),
            "paused_until": _local(state.paused_until, tz),
            "pause_reason": state.pause_reason,
            "trips": state.trips,
        }
    return section


def _held_s(queues: DeviceQueues, device: str) -> float:
    """How long the gates hold the device, while something waits (the queue keeps the last
    answer it got, also after its last waiting request gave up)."""
    return queues.held_s(device) if queues.queue_depth(device) else 0.0


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else local_iso(moment, tz)


class DeviceCollector(Collector):
    """The same, as gauges read at scrape time."""

    def __init__(
        self,
        clock: Clock,
        queues: Callable[[], DeviceQueues | None],
        safety: Callable[[], DeviceStates | None],
    ) -> None:
        self._clock = clock
        self._queues = queues
        self._safety = safety

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        queues, safety = self._queues(), self._safety()
        if queues is None or safety is None:
            return
        used = GaugeMetricFamily(
            "kbot_iris_budget_used",
            "Sends of an Iris device in the last minute, hour or day (windows with a limit)",
            labels=["device", "window"],
        )
        limit = GaugeMetricFamily(
            "kbot_iris_budget_limit",
            "An Iris device's budget per window (max_per_minute, max_per_hour, max_per_day)",
            labels=["device", "window"],
        )
        held = GaugeMetricFamily(
            "kbot_iris_held_seconds",
            "How long the pause or the budgets still hold an Iris device (0: it sends)",
            labels=["device"],
        )
        paused = GaugeMetricFamily(
            "kbot_iris_paused_until_seconds",
            "Unix time an Iris device's breaker pause ends (0: not paused)",
            labels=["device"],
        )
        trips = GaugeMetricFamily(
            "kbot_iris_breaker_trips",
            "Times an Iris device's breaker paused it (all processes)",
            labels=["device"],
        )
        for device in safety.devices:
            state = safety.state(device)
            for window, (count, most) in used_share(state.usage, state.limits).items():
                used.add_metric([device, window], count)
                limit.add_metric([device, window], most)
            held.add_metric([device], _held_s(queues, device))
            until = state.paused_until
            paused.add_metric([device], until.timestamp() if until is not None else 0.0)
            trips.add_metric([device], state.trips)
        yield from (used, limit, held, paused, trips)
