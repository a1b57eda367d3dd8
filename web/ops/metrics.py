"""The process's Prometheus metrics, in a registry of its own per application (several apps
may run in one process, e.g. in the tests; nothing goes to prometheus-client's global
registry).

Counted and timed as things happen: scheduled sends by outcome and their lateness (the
scheduler's ``on_outcome`` hook), webhook answer times per route, command handling times,
database errors by where they were seen. Read on each scrape: the Iris queue depths, the age
of each Iris device's last good ``GET /config`` and the scheduler heartbeat's age.

Database errors are counted by a ``handle_error`` listener on the engine, so every path is
covered without catching anything: connection-level failures (``OperationalError``,
``InterfaceError``, disconnects: server gone, lock wait timeout, refused) are counted, not
constraint violations (which some writes expect) and not the pool's pre-ping (it reconnects
by itself). The ``source`` label is ``DB_SOURCE``, a context variable set by whoever starts
the work: each HTTP request by its path, the scheduler's tasks when they are created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import ChatEvent
from core.clock import Clock
from scheduler.heartbeat import Heartbeat
from web.ops.device_health import DeviceCollector, DeviceQueues, DeviceStates
from web.webhooks.state import CommandHandler

SEND_STATUSES = ("success", "failed", "partial")  # skipped sends are logged as failed
DB_ERROR_SOURCES = ("healthz", "webhook", "scheduler", "api", "web", "other")
# which part of kbot the database work in this context belongs to (the metrics' source label)
DB_SOURCE: ContextVar[str] = ContextVar("kbot_db_source", default="other")
LATENESS_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
CONFIRM_BUCKETS = (0.5, 1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300)
SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class IrisState(Protocol):
    """What the metrics read from the Iris sender (``bot.iris.client.IrisSender`` fits)."""

    @property
    def last_config_ok(self) -> Mapping[str, datetime | None]: ...

    def queue_depth(self, device: str) -> int: ...


class Metrics:
    """The instruments, and the registry ``GET /metrics`` renders.

    ``heartbeat``: the scheduler's (``None`` when the scheduler is disabled); ``iris``: returns
    the Iris sender once it exists (``None`` with the dry-run transport)."""

    def __init__(
        self,
        clock: Clock,
        heartbeat: Heartbeat | None,
        iris: Callable[[], IrisState | None],
    ) -> None:
        self.registry = CollectorRegistry()
        self._clock = clock
        self.sends = Counter(
            "kbot_sends",
            "Finished scheduled occurrences by outcome",
            ["status"],
            registry=self.registry,
        )
        self.lateness = Histogram(
            "kbot_send_lateness_seconds",
            "Start of a scheduled send's first part minus its scheduled time (0: never started)",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "kbot_webhook_seconds",
            "Time to answer a webhook request (the HTTP answer, not the background work)",
            ["route"],
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "kbot_command_seconds",
            "Time the command layer took to decide the answer to one chat event",
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.database_errors = Counter(
            "kbot_database_errors",
            "Database errors by where they were seen",
            ["source"],
            registry=self.registry,
        )
        for status in SEND_STATUSES:
            self.sends.labels(status)
        for source in DB_ERROR_SOURCES:
            self.database_errors.labels(source)
        self.registry.register(_StateCollector(clock, heartbeat, iris))
        self.confirmed, self.unconfirmed, self.confirm_seconds = _receipt_instruments(self.registry)

    def watch_devices(
        self, queues: Callable[[], DeviceQueues | None], safety: Callable[[], DeviceStates | None]
    ) -> None:
        """Also show each Iris device's budget use, hold and pause (``web.ops.device_health``)."""
        self.registry.register(DeviceCollector(self._clock, queues, safety))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def observe_send(self, status: str, lateness_s: float) -> None:
        """One finished occurrence (the scheduler's ``on_outcome`` signature)."""
        self.sends.labels(status).inc()
        self.lateness.observe(max(0.0, lateness_s))

    def observe_receipt(self, state: str, latency_s: float | None) -> None:
        """One sent part resolved by this process (``scheduler.receipt_book.OnReceipt``)."""
        if state == "confirmed":
            self.confirmed.inc()
            if latency_s is not None:
                self.confirm_seconds.observe(max(0.0, latency_s))
        elif state == "unconfirmed":
            self.unconfirmed.inc()

    def watch_database(self, engine: AsyncEngine) -> None:
        """Count ``engine``'s connection-level errors into ``kbot_database_errors_total``."""
        errors = self.database_errors

        def on_error(context: ExceptionContext) -> None:
            if context.is_pre_ping:
                return
            error = context.sqlalchemy_exception or context.original_exception
            if context.is_disconnect or isinstance(error, OperationalError | InterfaceError):
                errors.labels(DB_SOURCE.get()).inc()

        event.listen(engine.sync_engine, "handle_error", on_error)

    def observed(self, handler: CommandHandler) -> CommandHandler:
        """``handler`` timed into ``kbot_command_seconds``."""
        clock, seconds = self._clock, self.command_seconds

        async def observed_handler(event: ChatEvent) -> list[str] | None:
            started = clock.monotonic()
            try:
                return await handler(event)
            finally:
                seconds.observe(clock.monotonic() - started)

        return observed_handler


def _receipt_instruments(registry: CollectorRegistry) -> tuple[Counter, Counter, Histogram]:
    """The delivery receipts' instruments: parts (not sends) resolved by this process."""
    confirmed = Counter(
        "kbot_sends_confirmed",
        "Sent parts confirmed by the bot's own echo (counted once, by the process that "
        "matched the echo; a late echo after unconfirmed counts here too)",
        registry=registry,
    )
    unconfirmed = Counter(
        "kbot_sends_unconfirmed",
        "Sent parts whose echo did not come within bot.confirm_timeout_s",
        registry=registry,
    )
    seconds = Histogram(
        "kbot_send_confirm_seconds",
        "Seconds from Iris accepting a part to its echo",
        buckets=CONFIRM_BUCKETS,
        registry=registry,
    )
    return confirmed, unconfirmed, seconds


class _StateCollector(Collector):
    """Gauges read at scrape time from the objects that own the state."""

    def __init__(
        self, clock: Clock, heartbeat: Heartbeat | None, iris: Callable[[], IrisState | None]
    ) -> None:
        self._clock = clock
        self._heartbeat = heartbeat
        self._iris = iris

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration: the families vary with the transport

    def collect(self) -> Iterator[Metric]:
        if self._heartbeat is not None:
            beat = GaugeMetricFamily(
                "kbot_scheduler_heartbeat_age_seconds",
                "Seconds since the scheduler loop last went round (absent before the first)",
            )
            age = self._heartbeat.age_s()
            if age is not None:
                beat.add_metric([], age)
            yield beat
        iris = self._iris()
        if iris is None:
            return
        depth = GaugeMetricFamily(
            "kbot_iris_queue_depth",
            "Sends waiting in an Iris device's queue (not counting one on the wire)",
            labels=["device"],
        )
        config_age = GaugeMetricFamily(
            "kbot_iris_last_ok_age_seconds",
            "Seconds since an Iris device last answered GET /config (absent: never yet)",
            labels=["device"],
        )
        now = self._clock.now()
        for device, last_ok in iris.last_config_ok.items():
            depth.add_metric([device], iris.queue_depth(device))
            if last_ok is not None:
                config_age.add_metric([device], (now - last_ok).total_seconds())
        yield depth
        yield config_age
