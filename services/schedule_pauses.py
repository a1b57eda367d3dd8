"""Skipping a schedule's next send (``!스케줄 건너뛰기``) and pausing it through a date
(``!스케줄 일시정지``); ``!스케줄 켜기`` ends a pause early (``resume``). They live in the
schedule's rules row (``skip_at``, ``paused_until``), which the next-time maths reads as its
``Progress``; ``next_send_at`` is written again so it stays the true next time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_local_naive
from scheduler.schedule_rule import ExtraColumns, fingerprint
from services import schedule_queries as queries
from services.campaign_rows import load as load_campaign
from services.errors import Conflict, Invalid
from services.permissions import Operation, Standing, standing_of
from services.schedule_deps import ScheduleDeps
from services.schedule_rules import RuleValues, values_of
from storage import audit
from storage import schedule_rules as rule_rows
from storage.kbot_models import Admin, Campaign
from storage.models import Schedule


@dataclass(frozen=True, slots=True)
class Skipped:
    schedule: Schedule
    skipped: datetime  # naive local: the send time that will not be sent
    after: datetime  # naive local: the next one that will


@dataclass(frozen=True, slots=True)
class Paused:
    schedule: Schedule
    until: date
    after: datetime  # naive local: the first send after the pause


@dataclass(frozen=True, slots=True)
class CampaignPaused:
    """A skip or pause over a campaign's rows: how many rows took it (of ``total``; the
    others are off, or have no send left or a skip pending), and the earliest next send
    among them after it."""

    campaign: Campaign
    changed: int
    total: int
    after: datetime


class SchedulePauses:
    """Changes of a schedule's progress, with the permission of 켜기/끄기 (TOGGLE)."""

    def __init__(self, deps: ScheduleDeps) -> None:
        self._deps = deps

    async def skip(
        self, schedule_id: int, actor: Admin, *, standing: Standing | None = None
    ) -> Skipped:
        async with self._deps.sessions.begin() as s:
            found = await self._found(s, schedule_id, actor, standing)
            row = found.schedule
            values, skipped, after = self._skipped(row, values_of(found.rule))
            await self._write(s, actor, "skip", row, values, after)
        self._deps.scheduler.wake()
        return Skipped(row, skipped, after)

    async def skip_campaign(
        self, campaign_id: int, actor: Admin, *, standing: Standing | None = None
    ) -> CampaignPaused:
        """Each active row of the campaign skips its own next send, in one transaction."""
        return await self._over_campaign(campaign_id, actor, standing, "skip", self._skip_values)

    async def pause(
        self, schedule_id: int, until: date, actor: Admin, *, standing: Standing | None = None
    ) -> Paused:
        async with self._deps.sessions.begin() as s:
            found = await self._found(s, schedule_id, actor, standing)
            row = found.schedule
            values, after = self._paused(row, values_of(found.rule), until)
            await self._write(s, actor, "pause", row, values, after)
        self._deps.scheduler.wake()
        return Paused(row, until, after)

    async def pause_campaign(
        self, campaign_id: int, until: date, actor: Admin, *, standing: Standing | None = None
    ) -> CampaignPaused:
        """Every active row of the campaign paused through ``until``, in one transaction."""
        self._future(until)
        return await self._over_campaign(
            campaign_id, actor, standing, "pause", lambda row, v: self._paused(row, v, until)
        )

    def _skipped(self, row: Schedule, values: RuleValues) -> tuple[RuleValues, datetime, datetime]:
        """``values`` skipping the row's next send, that send, and the one after it."""
        if values.skip_at is not None and values.skip_at > self._deps.now_local():
            raise Conflict(
                None,
                f"#{row.id} 스케줄은 이미 {values.skip_at:%Y-%m-%d %H:%M} 발송을 건너뛰도록 "
                "해 두었습니다. 건너뛰기는 한 번에 하나만 됩니다.",
            )
        skipped = self._deps.next_send(row, values)
        values = replace(values, skip_at=skipped)
        try:
            after = self._deps.next_send(row, values)
        except Invalid:
            raise Conflict(
                None, "건너뛰면 남는 발송 시각이 없습니다. 멈추려면 끄기를 써 주세요."
            ) from None
        return values, skipped, after

    def _future(self, until: date) -> None:
        if until < self._deps.now_local().date():
            raise Invalid("paused_until", f"{until:%Y-%m-%d}은 이미 지난 날짜입니다.")

    def _skip_values(self, row: Schedule, values: RuleValues) -> tuple[RuleValues, datetime]:
        values, _, after = self._skipped(row, values)
        return values, after

    def _paused(
        self, row: Schedule, values: RuleValues, until: date
    ) -> tuple[RuleValues, datetime]:
        """``values`` paused through ``until``, and the row's first send after the pause."""
        self._future(until)
        values = replace(values, paused_until=until)
        try:
            after = self._deps.next_send(row, values)
        except Invalid:
            raise Invalid(
                "paused_until",
                f"{until:%Y-%m-%d}까지 멈추면 남는 발송 시각이 없습니다. "
                "멈추려면 끄기를 써 주세요.",
            ) from None
        return values, after

    async def _over_campaign(
        self,
        campaign_id: int,
        actor: Admin,
        standing: Standing | None,
        action: str,
        change: Callable[[Schedule, RuleValues], tuple[RuleValues, datetime]],
    ) -> CampaignPaused:
        """``change`` applied to each active row of the campaign (TOGGLE permission); a row
        it refuses (no send left, a skip pending) is left as it is."""
        async with self._deps.sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            view = await load_campaign(s, campaign_id, standing, Operation.TOGGLE)
            extras = await rule_rows.load(s, [row.id for row, _ in view.rows])
            afters: list[datetime] = []
            for row, _ in view.rows:
                if row.status != "active":
                    continue
                try:
                    values, after = change(row, values_of(extras.get(row.id)))
                except (Conflict, Invalid):
                    continue
                await self._write(s, actor, action, row, values, after)
                afters.append(after)
        if not afters:
            raise Conflict(
                None,
                f"캠페인 C{campaign_id}에는 바꿀 수 있는 스케줄이 없습니다 (모두 꺼져 있거나 "
                "남은 발송이 없거나 이미 건너뛰기가 걸려 있습니다).",
            )
        self._deps.scheduler.wake()
        return CampaignPaused(view.campaign, len(afters), len(view.rows), min(afters))

    async def resume(
        self, s: AsyncSession, row: Schedule, rule: ExtraColumns | None, actor: Admin
    ) -> RuleValues | None:
        """End the pause of ``row`` (its rules row ``rule``; 켜기): its rules after; None when
        it was not paused."""
        values = values_of(rule)
        if values.paused_until is None:
            return None
        values = replace(values, paused_until=None)
        await self._write(s, actor, "resume", row, values, None)
        return values

    async def _found(
        self, s: AsyncSession, schedule_id: int, actor: Admin, standing: Standing | None
    ) -> queries.Found:
        standing = await standing_of(s, actor, standing)
        found = await queries.load(s, schedule_id, standing, Operation.TOGGLE)
        if found.schedule.status != "active":
            raise Conflict(
                None,
                f"#{schedule_id} 스케줄은 꺼져 있습니다. 먼저 "
                f"{self._deps.prefix}스케줄 켜기 {schedule_id} 로 켜 주세요.",
            )
        return found

    async def _write(
        self,
        s: AsyncSession,
        actor: Admin,
        action: str,
        row: Schedule,
        values: RuleValues,
        next_send: datetime | None,
    ) -> None:
        before = audit.snapshot(row)
        now_local = self._deps.now_local()
        if values.plain():
            await rule_rows.remove(s, [row.id])
        else:
            await rule_rows.save(
                s, row.id, values.columns(), fingerprint=fingerprint(row), now_local=now_local
            )
        if next_send is not None and row.status == "active":
            row.next_send_at = next_send
        row.updated_at = to_local_naive(self._deps.clock.now(), self._deps.tz).replace(
            microsecond=0
        )
        after = {
            **audit.snapshot(row),
            "skip_at": values.skip_at.isoformat() if values.skip_at else None,
            "paused_until": values.paused_until.isoformat() if values.paused_until else None,
        }
        self._deps.audit(s, actor, action, row.id, before, after)
