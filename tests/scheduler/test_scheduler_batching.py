"""Batching: concurrent requests coalesce into one batch call, set-based writes keep each
row's own values, a closing batch writes exactly one log per occurrence it still holds, and
``on_outcome`` hears once per finished occurrence."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from scheduler.batching import Coalescer
from scheduler.bulk import insert_ids, update_rows
from scheduler.claims import claim
from scheduler.context import in_transaction
from scheduler.logbook import Finished, Result, close_many
from scheduler.room_gate import Begun
from storage.kbot_models import Occurrence
from storage.models import ScheduleLog
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    START,
    RecordingSender,
    add_schedule,
    run,
    scheduler,
    with_settings,
)

DUE = START + timedelta(minutes=30)  # 09:30 local
OCCURRENCES = cast(Table, Occurrence.__table__)


async def test_concurrent_requests_share_one_batch_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def double(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0)
        return [2 * item for item in items]

    coalescer: Coalescer[int, int] = Coalescer("double", double)
    results = await asyncio.gather(*(coalescer.run(n) for n in range(5)))
    assert results == [0, 2, 4, 6, 8]
    assert batches == [[0, 1, 2, 3, 4]]
    assert await coalescer.run(7) == 14  # idle again: a batch of one
    assert batches[-1] == [7]


async def test_a_failing_batch_is_retried_item_by_item_so_only_the_bad_item_fails() -> None:
    batches: list[list[int]] = []

    async def picky(items: list[int]) -> list[int]:
        batches.append(items)
        if 13 in items:
            raise ValueError("unlucky")
        return items

    coalescer: Coalescer[int, int] = Coalescer("picky", picky, max_batch=3)
    results = await asyncio.gather(
        *(coalescer.run(n) for n in (1, 13, 2, 3)), return_exceptions=True
    )
    assert [r if isinstance(r, int) else type(r) for r in results] == [1, ValueError, 2, 3]
    assert batches == [[1, 13, 2], [1], [13], [2], [3]]
    assert await coalescer.run(9) == 9


async def test_bulk_writes_keep_each_rows_own_values(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    sid = await add_schedule(sessions)
    mysql = cfg.database.url.startswith("mysql")
    base = {
        "schedule_id": sid,
        "kind": "manual",
        "target_room_id": "1001",
        "state": "pending",
        "created_at": datetime(2026, 12, 1),
    }
    rows = [{**base, "scheduled_at": datetime(2026, 12, 1, 9, n)} for n in range(5)]
    async with sessions() as s, s.begin():
        ids = await insert_ids(s, OCCURRENCES, rows, mysql=mysql)
    async with sessions() as s:
        found = dict((await s.execute(select(Occurrence.id, Occurrence.scheduled_at))).all())
    assert [found[i] for i in ids] == [r["scheduled_at"] for r in rows]
    async with sessions() as s, s.begin():
        await update_rows(
            s,
            OCCURRENCES,
            {occ_id: {"parts_done": n, "state": "sending"} for n, occ_id in enumerate(ids)},
            attempts=OCCURRENCES.c.attempts + 1,
        )
    async with sessions() as s:
        got = (
            await s.execute(
                select(Occurrence.parts_done, Occurrence.state, Occurrence.attempts).order_by(
                    Occurrence.id
                )
            )
        ).all()
    # five rows: the CASE is padded to eight whens, repeating the last row's value
    assert [tuple(r) for r in got] == [(n, "sending", 1) for n in range(5)]


async def test_a_closing_batch_skips_an_occurrence_whose_lease_was_lost(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    for _ in range(3):
        await add_schedule(sessions)
    sched = scheduler(with_settings(cfg), sessions, RecordingSender(clock), clock)
    begun = [b for b in await claim(sched.deps, 10) if isinstance(b, Begun)]
    assert len(begun) == 3 and all(b.slot is not None for b in begun)
    ids = [b.occ.id for b in begun]
    async with sessions() as s, s.begin():
        await s.execute(update(Occurrence).where(Occurrence.id == ids[1]).values(lease_owner="x"))
    items = [Finished(b.occ, b.row, Result(status="success", parts_done=1)) for b in begun]

    async def work(session: AsyncSession) -> list[object]:
        return list(await close_many(session, sched.deps, items))

    closed = await in_transaction(sched.deps, work)
    assert [c is None for c in closed] == [False, True, False]
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduleLog)) == 2
        states = dict((await s.execute(select(Occurrence.id, Occurrence.state))).all())
    assert [states[i] for i in ids] == ["done", "sending", "done"]


async def test_on_outcome_hears_each_finished_occurrence_and_cannot_break_sending(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(minutes=5))
    await add_schedule(sessions)
    await add_schedule(sessions, message_text="가" * 11)  # refused: too long
    heard: list[tuple[str, float]] = []

    def on_outcome(status: str, lateness_s: float) -> None:
        heard.append((status, lateness_s))
        raise RuntimeError("metrics broken")

    sender = RecordingSender(clock)
    config = with_settings(cfg, max_text_length=10)
    sched = scheduler(config, sessions, sender, clock, on_outcome=on_outcome)
    outcomes = await run(clock, sched.run_once())
    assert sorted(o.status for o in outcomes) == ["failed", "success"]
    assert sorted(heard) == [("failed", 0.0), ("success", 300.0)]


async def test_on_outcome_hears_an_occurrence_skipped_as_missed(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(minutes=11))
    await add_schedule(sessions)
    heard: list[tuple[str, float]] = []
    sched = scheduler(
        with_settings(cfg),
        sessions,
        RecordingSender(clock),
        clock,
        on_outcome=lambda status, late: heard.append((status, late)),
    )
    assert await sched.run_once() == []
    assert heard == [("failed", 0.0)]
