"""``storage.schedule_rules.save`` writes only what changes: a claim that adds to
``sends_done`` between an edit's read and its commit keeps its count (else one send past
횟수 on MariaDB, where an edit and a claim run side by side)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.rule_rows import count_sends
from scheduler.schedule_rule import fingerprint
from storage import schedule_rules
from storage.models import Schedule
from tests.support.command_world import ROOMS, build_world
from tests.support.pages import add_schedule
from tests.support.rule_rows import add_rule, rule_of_row

NOW = datetime(2026, 11, 26, 9, 0)


async def test_an_edit_keeps_a_count_claimed_meanwhile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    sid = await add_schedule(sessions, "열 번만", ROOMS["BR1"])
    await add_rule(sessions, sid, max_sends=10, sends_done=1)

    async with sessions() as read:  # the edit reads the row (sends_done 1) ...
        rule = (await schedule_rules.load(read, [sid]))[sid]
        values = {column: getattr(rule, column) for column in schedule_rules.COLUMNS}
        seed = fingerprint(await read.get_one(Schedule, sid))
    async with sessions.begin() as claim:  # ... a claim counts a send (2) ...
        await count_sends(claim, Counter({sid: 1}))
    values["skip_at"] = datetime(2026, 11, 27, 9, 30)  # ... and the edit (건너뛰기) writes
    async with sessions.begin() as edit:
        await schedule_rules.save(edit, sid, values, fingerprint=seed, now_local=NOW)

    stored = await rule_of_row(sessions, sid)
    assert stored is not None
    assert (stored.sends_done, stored.skip_at) == (2, datetime(2026, 11, 27, 9, 30))


async def test_a_count_set_again_restarts(sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_world(sessions)
    sid = await add_schedule(sessions, "다시 세기", ROOMS["BR1"])
    await add_rule(sessions, sid, max_sends=3, sends_done=2)
    async with sessions.begin() as s:
        rule = (await schedule_rules.load(s, [sid]))[sid]
        values = {column: getattr(rule, column) for column in schedule_rules.COLUMNS}
        values.update(max_sends=5, sends_done=0)
        await schedule_rules.save(s, sid, values, fingerprint="x", now_local=NOW)
    stored = await rule_of_row(sessions, sid)
    assert stored is not None and (stored.max_sends, stored.sends_done) == (5, 0)
