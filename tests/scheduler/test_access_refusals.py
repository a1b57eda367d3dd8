"""Sends refused because the room or an org is not in force (issue 14): every refused send is
logged 'failed' with its Korean reason, the schedule's notify room and the ops room hear of
a refusal once (not once per send), the schedule stays active and sends again once the room
or org is active again. An org is in force only when every org above it is active too.

Each occurrence runs on a fresh ``Scheduler``, as after a restart: whether a refusal is new
is read from the log table, not remembered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.alerts import Alert, AlertKind
from core.config import Config
from storage.kbot_models import Org, Room, ScheduleMeta
from storage.models import Schedule
from storage.rooms import add_room
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    OTHER_ROOM,
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    logs,
    run,
    scheduler,
    with_settings,
)

DUE = START + timedelta(minutes=30)  # 09:30 local, the schedules' daily time
FAR_ROOM = "3003"  # in BR3, under AG2 and DT2: outside DT1's subtree
NOTIFY, OPS = "777", "999"
ROOM_OFF = "비활성 상태인 방입니다 (1001)."
AG1_OFF = "방 1001의 소속 조직 BR1의 상위 조직 AG1이 비활성 상태입니다."


class Days:
    """Runs the due occurrences of one day at a time, each on a new scheduler, recording the
    alerts it raises (no rate limit in between: what is told once is decided before it)."""

    def __init__(self, cfg: Config, sessions: async_sessionmaker[AsyncSession]) -> None:
        config = with_settings(cfg, max_consecutive_failures=2)
        alerts = config.alerts.model_copy(update={"ops_room_id": OPS})
        self.config = config.model_copy(update={"alerts": alerts})
        self.sessions = sessions
        self.clock = FakeClock(DUE)
        self.sender = RecordingSender(self.clock)
        self.alerts: list[Alert] = []

    async def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)

    async def run(self, day: int) -> None:
        self.clock.set(DUE + timedelta(days=day))
        sched = scheduler(self.config, self.sessions, self.sender, self.clock, notify=self.notify)
        await run(self.clock, sched.run_once())

    def told(self) -> list[str]:
        """The rooms alerted so far, in order; every alert is an access refusal."""
        assert {a.kind for a in self.alerts} <= {AlertKind.ACCESS_REFUSED}
        return [a.room_id for a in self.alerts]


async def schedule(sessions: async_sessionmaker[AsyncSession], **values: Any) -> int:
    """A daily schedule whose failures are told to the ``NOTIFY`` room."""
    sid = await add_schedule(sessions, **values)
    async with sessions() as s, s.begin():
        s.add(
            ScheduleMeta(schedule_id=sid, notify_room_id=NOTIFY, consecutive_failures=0, version=0)
        )
    return sid


async def set_room(sessions: async_sessionmaker[AsyncSession], chat_id: str, active: bool) -> None:
    async with sessions() as s, s.begin():
        await s.execute(update(Room).where(Room.chat_id == chat_id).values(active=active))


async def set_org(sessions: async_sessionmaker[AsyncSession], code: str, active: bool) -> None:
    async with sessions() as s, s.begin():
        await s.execute(update(Org).where(Org.code == code).values(active=active))


async def entries(
    sessions: async_sessionmaker[AsyncSession], sid: int
) -> list[tuple[str, str | None]]:
    """(status, error) of the schedule's log rows, oldest first."""
    return [(e.status, e.error_message) for e in await logs(sessions) if e.schedule_id == sid]


async def state(sessions: async_sessionmaker[AsyncSession], sid: int) -> tuple[str | None, int]:
    """The schedule's status and its count of consecutive failures."""
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        meta = await s.get(ScheduleMeta, sid)
        assert row is not None and meta is not None
        return row.status, meta.consecutive_failures


async def test_a_deactivated_room_is_refused_every_time_and_told_once(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    days = Days(cfg, sessions)
    sid = await schedule(sessions)
    await set_room(sessions, ROOM, False)
    for day in range(3):
        await days.run(day)
    assert await entries(sessions, sid) == [("failed", ROOM_OFF)] * 3
    assert days.sender.sent == []
    assert days.told() == [NOTIFY, OPS]
    text = days.alerts[0].text
    assert f"스케줄 #{sid}" in text and "발송 거부" in text and ROOM_OFF in text
    assert "다시 활성화되면" in text
    # three failures in a row, with max_consecutive_failures=2: none of them counted
    assert await state(sessions, sid) == ("active", 0)

    await set_room(sessions, ROOM, True)
    await days.run(3)
    assert (await entries(sessions, sid))[-1] == ("success", None)
    assert [s.room for s in days.sender.sent] == [ROOM]
    assert days.told() == [NOTIFY, OPS]  # a success tells nobody


async def test_a_new_reason_is_told_again(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    days = Days(cfg, sessions)
    sid = await schedule(sessions)
    await set_room(sessions, ROOM, False)
    await days.run(0)
    await days.run(1)
    await set_room(sessions, ROOM, True)
    await days.run(2)  # sent
    await set_org(sessions, "AG1", False)
    await days.run(3)  # refused for another reason: told
    await days.run(4)  # the same reason again: not told
    await set_room(sessions, ROOM, False)
    await days.run(5)  # the room's own flag comes first: a new reason, told
    assert await entries(sessions, sid) == [
        ("failed", ROOM_OFF),
        ("failed", ROOM_OFF),
        ("success", None),
        ("failed", AG1_OFF),
        ("failed", AG1_OFF),
        ("failed", ROOM_OFF),
    ]
    assert days.told() == [NOTIFY, OPS] * 3
    assert AG1_OFF in days.alerts[2].text and ROOM_OFF in days.alerts[4].text
    assert await state(sessions, sid) == ("active", 0)


async def test_an_inactive_org_stops_its_subtree_and_only_it(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """Only the agency AG1 is deactivated: its branches BR1 and BR2 keep their own flags,
    yet their rooms are refused; BR3 (under AG2) sends on. Reactivating AG1 is enough."""
    async with sessions() as s, s.begin():
        await add_room(s, chat_id=FAR_ROOM, name="방3", org_code="BR3", at=START, actor="test")
    hq = {"created_by_type": "headquarters", "created_by_id": "HQ"}
    first = await schedule(sessions, **hq)
    second = await schedule(sessions, target_room_id=OTHER_ROOM, **hq)
    far = await schedule(sessions, target_room_id=FAR_ROOM, **hq)
    days = Days(cfg, sessions)
    await set_org(sessions, "AG1", False)
    await days.run(0)
    await days.run(1)
    assert await entries(sessions, first) == [("failed", AG1_OFF)] * 2
    assert (
        await entries(sessions, second)
        == [("failed", "방 2002의 소속 조직 BR2의 상위 조직 AG1이 비활성 상태입니다.")] * 2
    )
    assert await entries(sessions, far) == [("success", None)] * 2
    assert [s.room for s in days.sender.sent] == [FAR_ROOM] * 2
    # one refusal each, told to its notify room; the ops room hears of both
    assert sorted(days.told()) == sorted([NOTIFY, OPS] * 2)
    assert {a.schedule_id for a in days.alerts} == {first, second}
    async with sessions() as s:
        flags = dict((await s.execute(select(Org.code, Org.active))).all())
    assert flags["BR1"] and flags["BR2"] and not flags["AG1"]  # no cascading flags

    await set_org(sessions, "AG1", True)
    await days.run(2)
    for sid in (first, second, far):
        assert (await entries(sessions, sid))[-1] == ("success", None)
        assert await state(sessions, sid) == ("active", 0)
    assert sorted(s.room for s in days.sender.sent[2:]) == sorted([ROOM, OTHER_ROOM, FAR_ROOM])


async def test_a_creator_under_an_inactive_org_may_not_send(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """AG1 is active but DT1 above it is not: AG1 is not in force. Into its own room the
    send is refused for the room's org; into a room outside it, for the creator itself."""
    async with sessions() as s, s.begin():
        await add_room(s, chat_id=FAR_ROOM, name="방3", org_code="BR3", at=START, actor="test")
    ag1 = {"created_by_type": "agency", "created_by_id": "AG1"}
    own = await schedule(sessions, **ag1)
    outside = await schedule(sessions, target_room_id=FAR_ROOM, **ag1)
    await set_org(sessions, "DT1", False)
    days = Days(cfg, sessions)
    await days.run(0)
    assert days.sender.sent == []
    assert await entries(sessions, own) == [
        ("failed", "방 1001의 소속 조직 BR1의 상위 조직 DT1이 비활성 상태입니다.")
    ]
    [(status, error)] = await entries(sessions, outside)
    assert status == "failed"
    assert error == (
        "등록 조직 AG1(agency)이 없거나, 종류가 맞지 않거나, "
        "그 조직 또는 상위 조직이 비활성 상태입니다."
    )
    await set_org(sessions, "DT1", True)
    await days.run(1)
    assert (await entries(sessions, own))[-1] == ("success", None)
    assert (await entries(sessions, outside))[-1][1] == (
        "방 3003은 등록 조직 AG1과 그 아래 조직의 방이 아닙니다."
    )
