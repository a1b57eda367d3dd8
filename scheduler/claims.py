"""Claiming due occurrences: one transaction inserts a ``kbot_occurrences`` row per due
schedule, admits it (checks and a room slot, ``scheduler.room_gate.admit``) and advances
``kb_schedule.next_send_at`` from the occurrence just handled.

MySQL/MariaDB lock the due rows with ``FOR UPDATE SKIP LOCKED`` so several workers split the
work; SQLite serialises writers with ``BEGIN IMMEDIATE`` (the engine's default). The unique
``(schedule_id, scheduled_at, kind)`` key makes a second claim of one occurrence impossible.
A claim is a few set-based statements however many schedules are due.

A schedule's richer rule (``kbot_schedule_rules``: monthly, several times, holidays, a count,
a skip, a pause) is read for the whole batch in one query (``scheduler.rule_rows``); its due
times are those of the rule with the process's holiday calendar, the count left going down
with each one, and ``sends_done`` goes up with each scheduled send claimed here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.alerts import Alert
from core.human import duration
from core.timeutil import from_local_naive, to_local_naive
from scheduler import room_ledger, rule_rows
from scheduler.bulk import insert_ids, update_rows
from scheduler.calendar import NO_HOLIDAYS, HolidayCalendar
from scheduler.context import Deps, in_transaction, log
from scheduler.due_times import Timing, due_times, first_time
from scheduler.held import SEND_COLUMNS, Held
from scheduler.leases import take_over
from scheduler.logbook import SKIPPED, Result, insert_logs, log_values
from scheduler.rendered import render_batch
from scheduler.room_gate import Begun, admit
from scheduler.rules import RuleError
from scheduler.schedule_rule import RuleColumns, fingerprint, progress_of, rule_of
from storage.kbot_models import Occurrence
from storage.models import Schedule

_OCC = cast(Table, Occurrence.__table__)
_SCHEDULE = cast(Table, Schedule.__table__)
_CLAIM_COLUMNS = (
    *SEND_COLUMNS,
    Schedule.schedule_type,
    Schedule.schedule_time,
    Schedule.schedule_date,
    Schedule.schedule_weekdays,
    Schedule.valid_from,
    Schedule.valid_until,
    Schedule.next_send_at,
    Schedule.updated_at,
)
_DueRow = Any  # a Core row of _CLAIM_COLUMNS
Claimed = int | Begun  # an orphan taken over (by id: it is admitted when sent), or a new one


def claimed_id(item: Claimed) -> int:
    return item if isinstance(item, int) else item.occ.id


async def claim(deps: Deps, limit: int, exclude: Collection[int] = ()) -> list[Claimed]:
    """Take up to ``limit`` occurrences to send, now leased to ``deps.owner``: orphans first
    (expired or released leases), then newly due ones, admitted already."""

    calendar = NO_HOLIDAYS if deps.holidays is None else await deps.holidays.fresh()

    async def work(session: AsyncSession) -> tuple[list[Claimed], _Plan | None]:
        taken: list[Claimed] = list(await take_over(session, deps, limit, exclude))
        plan = None
        if len(taken) < limit:
            plan = _Plan(deps, calendar)
            taken += await _claim_due(session, plan, limit - len(taken))
        return taken, plan

    taken, plan = await in_transaction(deps, work)
    if plan is not None:
        for _ in range(len(plan.skips)):
            deps.report("failed", 0.0)
        await rule_rows.tell(deps, plan.notices)
    return taken


async def _claim_due(session: AsyncSession, plan: _Plan, limit: int) -> list[Begun]:
    """The occurrences claimed; ``plan`` keeps the due ones skipped as missed."""
    deps = plan.deps
    query = (
        select(*_CLAIM_COLUMNS)
        .where(
            Schedule.status == "active",
            or_(Schedule.next_send_at.is_(None), Schedule.next_send_at <= deps.local_now()),
        )
        .order_by(Schedule.next_send_at, Schedule.id)
        .limit(limit)
    )
    if deps.mysql:
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).all())
    extras = await rule_rows.load(session, [row.id for row in rows])
    timings = [plan.timing(row, extras.get(row.id)) for row in rows]
    due = [
        (row.id, at)
        for row, timing in zip(rows, timings, strict=True)
        if not isinstance(timing, RuleError)
        for at in timing[0]
    ]
    handled = await _handled(session, due)
    for row, timing in zip(rows, timings, strict=True):
        plan.advance(row, timing, handled)
    return await plan.write(session)


class _Plan:
    """What one claim writes: new occurrences, skipped ones with their logs, and each
    schedule's next time (or its end)."""

    def __init__(self, deps: Deps, calendar: HolidayCalendar) -> None:
        self.deps = deps
        self.calendar = calendar
        self.now = deps.clock.now()
        self.sends: list[tuple[Held, _DueRow]] = []
        self.skips: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (occurrence, log)
        self.moves: dict[int, dict[str, Any]] = {}  # schedule id -> next_send_at, status
        self.ruled: set[int] = set()  # schedules with a rules row in force: their sends count
        self.counted: Counter[int] = Counter()  # schedule id -> scheduled sends claimed
        self.dropped: list[tuple[_DueRow, Any]] = []  # rules rows the PHP site's edit ended
        self.adopted: dict[int, str] = {}  # rules rows without a fingerprint: the one to set
        self.notices: list[Alert] = []  # to send once the claim has committed

    def timing(self, row: _DueRow, extra: Any | None) -> Timing | RuleError:
        """The row's occurrences due by now (naive local, oldest first) and its next time
        after them; the first is ``next_send_at`` (checked against the calendar, the skip and
        the pause when there is more than the seed rule), or for a row without one (new,
        written by the PHP site, or its richer rule just dropped) the rule's first time at or
        after its ``updated_at``. Each due time uses up one of the sends left."""
        tz, calendar = self.deps.tz, self.calendar
        seed = cast(RuleColumns, row)
        dropped = extra is not None and rule_rows.edited(seed, extra)
        if dropped:
            self.dropped.append((row, extra))
            extra = None
        try:
            rule = rule_of(seed, extra, self.deps.settings.holiday_policy)
            progress = progress_of(extra)
            if extra is not None:
                self.ruled.add(row.id)
                if extra.seed_fingerprint is None:
                    self.adopted[row.id] = fingerprint(seed)
            stored = None
            if row.next_send_at is not None and not dropped:
                stored = from_local_naive(row.next_send_at, tz)
            since = from_local_naive(row.updated_at, tz)
            recheck = extra is not None or rule.holiday_policy != "send"
            first = first_time(rule, stored, since, tz, calendar, progress, recheck=recheck)
            return due_times(rule, first, self.now, tz, calendar, progress)
        except RuleError as exc:
            return exc

    def advance(
        self, row: _DueRow, timing: Timing | RuleError, handled: set[tuple[int, datetime]]
    ) -> None:
        """Decide once for ``row``: the newest due occurrence is sent when it is within the
        grace period, every other one is logged as missed (none is dropped silently), one
        already handled is left alone; then ``next_send_at`` moves (or the schedule ends)."""
        if isinstance(timing, RuleError):
            self.moves[row.id] = {"next_send_at": row.next_send_at, "status": "error"}
            log.error("schedule %d has an invalid rule, status set to 'error': %s", row.id, timing)
            return
        due, following = timing
        for index, at in enumerate(due):
            if (row.id, at) in handled or not row.valid_from <= at <= row.valid_until:
                continue  # sent before (the PHP site moved next_send_at back), or outside
            late = (self.now - from_local_naive(at, self.deps.tz)).total_seconds()
            if index < len(due) - 1:
                later = "그 뒤의 발송 시각도 이미 지나 이 시각은 보내지 않았습니다."
                self._skip(row, at, f"{SKIPPED}{later}")
            elif late > self.deps.settings.misfire_grace_s:
                grace = self.deps.settings.misfire_grace_s
                self._skip(
                    row,
                    at,
                    f"{SKIPPED}예정 시각보다 {duration(late * 1000)} 늦어 보내지 않았습니다 "
                    f"(misfire_grace_s={grace}초까지만 늦게 보냄).",
                )
            else:
                self.sends.append((_due(row, at, "pending"), row))
                if row.id in self.ruled:
                    self.counted[row.id] += 1
        self._move(row.id, following)

    def _occurrence(self, occ: Held) -> dict[str, Any]:
        leased = occ.state != "skipped"
        return {
            "schedule_id": occ.schedule_id,
            "scheduled_at": occ.scheduled_at,
            "kind": occ.kind,
            "target_room_id": occ.target_room_id,
            "state": occ.state,
            "started_at": occ.started_at,
            "parts_total": 0,
            "parts_done": 0,
            "attempts": occ.attempts,
            "lease_owner": self.deps.owner if leased else None,
            "lease_expires_at": self.deps.lease_until() if leased else None,
            "created_at": self.deps.utc_now(),
        }

    def _skip(self, row: _DueRow, at: datetime, reason: str) -> None:
        log.warning("schedule %d occurrence %s %s", row.id, at, reason)
        occ = self._occurrence(_due(row, at, "skipped"))
        now = self.deps.local_now()
        entry = log_values(
            row.id,
            row.send_order,
            row.target_room_id,
            at,
            Result(error=reason),
            now,
            now,
            applicable=self.deps.confirm is not None,
        )
        self.skips.append((occ, entry))

    def _move(self, schedule_id: int, following: datetime | None) -> None:
        if following is None:
            self.moves[schedule_id] = {"next_send_at": None, "status": "completed"}
        else:
            local = to_local_naive(following, self.deps.tz)
            self.moves[schedule_id] = {"next_send_at": local, "status": "active"}

    async def write(self, session: AsyncSession) -> list[Begun]:
        log_ids = await insert_logs(session, self.deps, [entry for _, entry in self.skips])
        skipped = [
            {**occ, "log_id": log_id} for (occ, _), log_id in zip(self.skips, log_ids, strict=True)
        ]
        if skipped:
            await session.execute(insert(_OCC), skipped)
        rendered = await render_batch(
            session, self.sends, public_url=self.deps.public_url, now=self.deps.clock.now()
        )
        begun = await admit(session, self.deps, rendered)
        values = [self._occurrence(occ) for occ, _ in self.sends]
        ids = await insert_ids(session, _OCC, values, mysql=self.deps.mysql)
        for (occ, _), occ_id in zip(self.sends, ids, strict=True):
            occ.id = occ_id
        await room_ledger.record(session, (item.occ for item in begun if item.slot is not None))
        await update_rows(session, _SCHEDULE, self.moves)
        await rule_rows.count_sends(session, self.counted)
        await rule_rows.adopt(session, self.adopted)
        self.notices = await rule_rows.drop(session, self.deps, self.dropped)
        return begun


def _due(row: _DueRow, at: datetime, state: str) -> Held:
    """The occurrence of ``row`` at ``at`` (naive local), not yet inserted (id 0)."""
    return Held(0, row.id, "scheduled", at, row.target_room_id, state)


async def _handled(
    session: AsyncSession, due: list[tuple[int, datetime]]
) -> set[tuple[int, datetime]]:
    """Which of the due (schedule id, time) pairs already have an occurrence (e.g. the PHP
    site moved ``next_send_at`` back to a time already sent)."""
    if not due:
        return set()
    found = await session.execute(
        select(_OCC.c.schedule_id, _OCC.c.scheduled_at).where(
            _OCC.c.kind == "scheduled",
            _OCC.c.schedule_id.in_({schedule_id for schedule_id, _ in due}),
            _OCC.c.scheduled_at >= min(at for _, at in due),
        )
    )
    return {(schedule_id, at) for schedule_id, at in found.all()} & set(due)
