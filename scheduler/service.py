"""The scheduler: a loop that claims due occurrences and sends them, sleeping until the
earliest ``next_send_at`` (re-checking at least every ``recheck_interval_s`` for rows other
processes changed) unless ``wake()`` is called.

Handlers that save a schedule should write ``next_send_at`` (or leave it NULL: the loop
computes it) and then call ``wake()`` so a change shortly due is seen at once.

Each occurrence is sent by its own task. A newly due one is admitted (room checks and slot)
inside the claim that creates it, a send-now (``scheduler.interactive``) inside the one that
creates it, an orphan taken over by the ``Pipeline``, which also batches the final logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import BotSender
from core.alerts import Notify
from core.clock import Clock
from core.config import Config
from scheduler import room_ledger
from scheduler.attempts import Progress
from scheduler.claims import Claimed, claim, claimed_id
from scheduler.context import Confirm, Deps, OnOutcome, in_transaction, log, worker_id
from scheduler.cutoff import CutOffSender
from scheduler.delivery import Outcome, deliver
from scheduler.handover import ReceiptWriter
from scheduler.heartbeat import Heartbeat
from scheduler.holiday_source import HolidaySource
from scheduler.image_files import ImageFiles
from scheduler.interactive import ANSWER_WITHIN_S, InteractiveSends
from scheduler.leases import create_send_now, release, renew
from scheduler.pipeline import Pipeline
from scheduler.receipt_book import OnReceipt, ReceiptBook
from scheduler.wake import next_wake, sleep_unless

LEDGER_PRUNE_S = 3600.0


class Scheduler:
    def __init__(
        self,
        cfg: Config,
        sessions: async_sessionmaker[AsyncSession],
        sender: BotSender,
        clock: Clock,
        *,
        mysql: bool,
        heartbeat: Heartbeat | None = None,
        notify: Notify | None = None,
        owner: str | None = None,
        on_outcome: OnOutcome | None = None,
        device_for: Callable[[str], str] | None = None,
        on_receipt: OnReceipt | None = None,
        holidays: HolidaySource | None = None,
    ) -> None:
        """``on_outcome(status, lateness_s)`` is called once per finished occurrence (its
        errors are logged, never raised). ``device_for`` (the Iris transport: the device a
        room's request is meant for) turns delivery receipts on: ``receipts`` is then the
        book that echoes confirm (``on_receipt`` counts each resolved part). ``holidays``
        is the process's holiday calendar (one is made when not given)."""
        self.deps = Deps(
            sessions=sessions,
            clock=clock,
            settings=cfg.scheduler,
            tz=cfg.tz,
            owner=owner or worker_id(),
            mysql=mysql,
            images=ImageFiles.of(cfg.web),
            ops_room_id=cfg.alerts.ops_room_id,
            notify=notify,
            on_outcome=on_outcome,
            resend_uncertain=cfg.bot.resend_uncertain,
            holidays=holidays or HolidaySource(sessions, clock, cfg.tz),
            public_url=cfg.server.public_url,
        )
        if device_for is not None:  # the writer's own deps need no receipts
            writer = ReceiptWriter(self.deps, cfg.bot.confirm_timeout_s)
            confirm = Confirm(device_for, writer)
            self.deps = dataclasses.replace(self.deps, confirm=confirm)
        self.receipts = None if device_for is None else ReceiptBook(self.deps, on_receipt)
        # closing lingers a few event-loop turns so that sends finishing meanwhile share its
        # transaction (fewer, bigger log writes)
        self._pipeline = Pipeline(self.deps, linger=20)
        self._sender = CutOffSender(sender)  # cut when the shutdown grace is over
        self._heartbeat = heartbeat
        self._woken = asyncio.Event()
        self._stopping = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[Outcome]] = {}
        self._manual: set[int] = set()  # occurrences held outside the loop's own tasks
        self._interactive = InteractiveSends(clock)
        self._tasks: list[asyncio.Task[None]] = []
        self._pruned_at: float | None = None
        self._held = False  # whether this worker ever held an occurrence (then stop releases)
        # claim in batches: wait until this many send slots are free (small claims cost as
        # much database work as large ones)
        self._low_water = max(
            1, min(cfg.scheduler.claim_batch, cfg.scheduler.max_concurrent_sends) // 2
        )

    @property
    def holidays(self) -> HolidaySource:
        """The holiday calendar this scheduler sends by (the services show the same)."""
        assert self.deps.holidays is not None  # always set by __init__
        return self.deps.holidays

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not self._stopping.is_set()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(), name="scheduler-loop"),
            asyncio.create_task(self._renew_loop(), name="scheduler-leases"),
        ]
        log.info("scheduler started as %s", self.deps.owner)

    def wake(self) -> None:
        """Look at the schedules now (e.g. right after one was saved)."""
        self._woken.set()

    async def stop(self) -> None:
        """Finish the parts in flight, end the sends people asked for (with their log rows),
        give back every claim, end the loop. Needed also when the loop never started. Parts
        still in flight after ``scheduler.shutdown_grace_s`` on the clock are cut
        (``scheduler.cutoff``)."""
        self._stopping.set()
        self._woken.set()
        finishing = asyncio.ensure_future(self._finish_inflight())
        await self._within_grace(finishing)
        await finishing
        if self._tasks:
            lease_keeper = self._tasks[1]
            lease_keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lease_keeper
        if self._tasks or self._held:
            await release(self.deps)
        log.info("scheduler stopped")

    async def _finish_inflight(self) -> None:
        await self._interactive.drain()  # sends people asked for: their pauses end at once
        if self._tasks:
            await self._tasks[0]  # the loop ends after its current round; it starts no new one
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    async def _within_grace(self, finishing: asyncio.Future[None]) -> None:
        """Wait for ``finishing`` at most the shutdown grace, then cut the sends going on."""
        grace = self.deps.settings.shutdown_grace_s
        if grace > 0:
            deadline = asyncio.ensure_future(self.deps.clock.sleep(grace))
            try:
                await asyncio.wait((finishing, deadline), return_when=asyncio.FIRST_COMPLETED)
            finally:
                deadline.cancel()
        if finishing.done():
            return
        if self._inflight or len(self._interactive):
            log.warning("sends still in flight after %ss: cut (shutdown_grace_s)", grace)
        self._sender.cut()  # no part begins once stopping: only calls going on are cut

    async def drain(self) -> None:
        """Wait until the sends in flight have ended (for tests and benchmarks)."""
        while self._inflight or len(self._interactive):
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
            await self._interactive.drain()

    async def run_once(self) -> list[Outcome]:
        """One round without the loop: claim what is due now and send it to the end."""
        self._held = True
        taken = await claim(self.deps, self.deps.settings.claim_batch, set(self._inflight))
        ids = {claimed_id(item) for item in taken}
        self._manual.update(ids)
        try:
            return list(
                await asyncio.gather(
                    *(
                        deliver(self.deps, self._sender, self._pause, i, self._pipeline)
                        for i in taken
                    )
                )
            )
        finally:
            self._manual.difference_update(ids)

    async def send_now(
        self,
        schedule_id: int,
        *,
        kind: Literal["manual", "test"],
        room_id: str | None = None,
        confirmed: bool = False,
        direct: bool = False,
        wait_s: float = ANSWER_WITHIN_S,
    ) -> Outcome:
        """Send ``schedule_id`` now, logged as ``kind``; ``next_send_at`` does not move. A
        reached room daily limit refuses (``error`` says why); a room whose next free slot is
        later raises ``RoomBusy`` unless ``confirmed`` (see ``leases.create_send_now``, also
        for ``direct``). Answers within ``wait_s``, else "pending" (``scheduler.interactive``)."""
        self._held = True
        begun = await create_send_now(
            self.deps, schedule_id, kind, room_id, confirmed=confirmed, direct=direct
        )
        occ_id = begun.occ.id
        self._manual.add(occ_id)

        async def send(progress: Progress) -> Outcome:
            try:
                return await deliver(
                    self.deps, self._sender, self._pause, begun, self._pipeline, progress
                )
            finally:
                self._manual.discard(occ_id)

        return await self._interactive.run(
            send, Progress(slot=begun.slot), wait_s=wait_s, name=f"send-now-{occ_id}"
        )

    async def _pause(self, seconds: float) -> bool:
        if seconds > 0:
            await sleep_unless(self.deps.clock, self._stopping, seconds)
        return not self._stopping.is_set()

    async def _loop(self) -> None:
        settings = self.deps.settings
        while not self._stopping.is_set():
            if self._heartbeat is not None:
                self._heartbeat.beat()
            self._woken.clear()
            delay = settings.recheck_interval_s
            try:
                delay = await self._claim_round()
                await self._prune_ledger()
            except Exception:
                log.exception("scheduler round failed; retrying in %ss", delay)
            if delay > 0 and not self._stopping.is_set():
                await sleep_unless(self.deps.clock, self._woken, delay)

    async def _claim_round(self) -> float:
        settings = self.deps.settings
        free = settings.max_concurrent_sends - len(self._inflight)
        if free < self._low_water and self._inflight:
            return settings.recheck_interval_s  # finishing sends wake the loop
        limit = min(free, settings.claim_batch)
        exclude = set(self._inflight) | self._manual
        taken = await claim(self.deps, limit, exclude)
        for item in taken:
            occ_id = claimed_id(item)
            task = asyncio.create_task(self._deliver(item), name=f"occurrence-{occ_id}")
            self._inflight[occ_id] = task
        if len(taken) == limit:
            return 0.0
        wait = await next_wake(self.deps)
        if wait is None:
            return settings.recheck_interval_s
        if wait <= 0 and not taken:
            wait = min(1.0, settings.recheck_interval_s)  # due rows locked by another worker
        return min(wait, settings.recheck_interval_s)

    async def _prune_ledger(self) -> None:
        """At most every ``LEDGER_PRUNE_S``: drop room-ledger rows too old for the limits."""
        now = self.deps.clock.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < LEDGER_PRUNE_S:
            return
        self._pruned_at = now

        async def work(session: AsyncSession) -> int:
            return await room_ledger.prune(session, self.deps.clock.now())

        gone = await in_transaction(self.deps, work)
        if gone:
            log.info("room ledger: %d old rows pruned", gone)

    async def _deliver(self, item: Claimed) -> Outcome:
        occ_id = claimed_id(item)
        try:
            return await deliver(self.deps, self._sender, self._pause, item, self._pipeline)
        except Exception as exc:
            log.exception("occurrence %d failed unexpectedly; its lease will expire", occ_id)
            return Outcome("interrupted", error=repr(exc))
        finally:
            self._inflight.pop(occ_id, None)
            free = self.deps.settings.max_concurrent_sends - len(self._inflight)
            if free == self._low_water:
                self._woken.set()

    async def _renew_loop(self) -> None:
        interval = self.deps.settings.lease_s / 3
        while True:
            await self.deps.clock.sleep(interval)
            try:
                await renew(self.deps, set(self._inflight) | self._manual)
            except Exception:
                log.exception("renewing leases failed")
