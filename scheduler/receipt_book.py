"""The delivery receipts' other half: the bot's own echoes coming back through the Iris
webhook confirm the parts they match (``on_event``, a ``WebhookState`` observer), and a sweep
(``run``, every ``SWEEP_S`` on the clock) turns parts whose echo did not come within
``bot.confirm_timeout_s`` into unconfirmed ones and prunes old receipts. Any kbot process
sharing the database may do either: each change is claimed in the database
(``storage.receipts``), and the process that made it counts it (``on_receipt``) and rewrites
the log row once all its parts are resolved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.echo import Echo, echo_of
from bot.events import ChatEvent
from core.background import periodically
from core.timeutil import to_utc_naive
from scheduler.batching import Coalescer
from scheduler.context import Deps, in_transaction
from storage import engagement, receipts

log = logging.getLogger("kbot.receipts")
SWEEP_S = 1.0
PRUNE_EVERY_S = 3600.0
# (state, latency_s): 'confirmed' with the seconds from acceptance to echo, or 'unconfirmed'
OnReceipt = Callable[[str, float | None], None]
Claim = receipts.Claimed | Literal["duplicate"] | None
EchoOutcome = Literal["confirmed", "late", "duplicate", "unmatched", "not_uploaded"]


class ReceiptBook:
    def __init__(self, deps: Deps, on_receipt: OnReceipt | None = None) -> None:
        self._deps = deps
        self._on_receipt = on_receipt
        self._pruned_at: float | None = None
        self._claims: Coalescer[Echo, Claim] = Coalescer("echoes", self._claim_many, 200, 2)

    async def on_event(self, event: ChatEvent, bot_id: str | None) -> EchoOutcome | None:
        """Confirm what the event's echo matches; None when it is no echo of the bot."""
        echo = echo_of(event, bot_id)
        return None if echo is None else await self.on_echo(echo)

    async def on_echo(self, echo: Echo) -> EchoOutcome:
        if not echo.uploaded:
            log.info(
                "room %s: photo echo %s without an upload confirms nothing",
                echo.room_id,
                echo.echo_id,
            )
            return "not_uploaded"
        try:
            claimed = await self._claims.run(echo)
        except IntegrityError:  # another process recorded the same echo meanwhile
            claimed = "duplicate"
        if claimed == "duplicate":
            log.debug("room %s: echo %s seen before", echo.room_id, echo.echo_id)
            return "duplicate"
        if not isinstance(claimed, receipts.Claimed):
            log.debug("room %s: %s echo %s matches no send", echo.room_id, echo.kind, echo.echo_id)
            return "unmatched"
        self._count("confirmed", claimed.latency_s)
        if claimed.was == "unconfirmed":
            log.info(
                "room %s: late echo %s confirms receipt %d after %.0fs (device %s)",
                echo.room_id,
                echo.echo_id,
                claimed.receipt_id,
                claimed.latency_s,
                claimed.device,
            )
            return "late"
        return "confirmed"

    async def _claim_many(self, echoes: list[Echo]) -> list[Claim]:
        """Claim the receipts the echoes match, in one transaction (the same echo twice in
        a batch: the second is a duplicate); the logs whose parts changed are rewritten."""
        deps = self._deps
        now = deps.utc_now()

        async def work(session: AsyncSession) -> list[Claim]:
            found: list[Claim] = []
            for echo in echoes:
                echo_at = to_utc_naive(echo.written_at) if echo.written_at is not None else now
                claimed = await receipts.claim_echo(
                    session,
                    room_id=echo.room_id,
                    kind=echo.kind,
                    text_key=echo.text_key,
                    echo_id=echo.echo_id,
                    echo_at=echo_at,
                    now=now,
                )
                found.append(claimed)
            logs = {c.log_id for c in found if isinstance(c, receipts.Claimed) and c.log_id}
            await receipts.refresh_logs(session, logs)
            return found

        return await in_transaction(deps, work)

    async def sweep(self) -> int:
        """Expire overdue receipts (and now and then prune old ones); how many expired."""
        deps = self._deps
        now = deps.utc_now()

        async def work(session: AsyncSession) -> int:
            changed, log_ids = await receipts.expire(session, now)
            await receipts.refresh_logs(session, log_ids)
            return changed

        expired = await in_transaction(deps, work)
        for _ in range(expired):
            self._count("unconfirmed", None)
        if expired:
            log.info("%d sent part(s) not confirmed by an echo in time", expired)
        mono = deps.clock.monotonic()
        if self._pruned_at is None or mono - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = mono
            await self._upkeep(now)
        return expired

    async def _upkeep(self, now: datetime) -> None:
        """Hourly: tie replies stored before their send was logged (while the receipts
        still know the log), then prune old receipts."""

        async def work(session: AsyncSession) -> tuple[int, int]:
            tied = await engagement.resolve_replies(session)
            return tied, await receipts.prune(session, now)

        tied, gone = await in_transaction(self._deps, work)
        if tied:
            log.info("tied %d repl(ies) to their log rows", tied)
        if gone:
            log.info("pruned %d old delivery receipt(s)", gone)

    async def run(self) -> None:
        """Sweep every ``SWEEP_S`` on the clock until cancelled; errors are logged."""
        await periodically(self.sweep, SWEEP_S, self._deps.clock, log, "receipt sweep")

    def _count(self, state: str, latency_s: float | None) -> None:
        if self._on_receipt is None:
            return
        try:
            self._on_receipt(state, latency_s)
        except Exception:
            log.exception("on_receipt callback failed")
