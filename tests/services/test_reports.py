"""``services.reports.build_report`` over rows inserted directly (``tests.support.report_world``),
every number worked out by hand, on SQLite and MariaDB.

Times: the log's are local (Asia/Seoul, UTC+9), kbot's engagement tables UTC. s1's sent rows
a (lateness 30 s), b (120 s), d (started 10 s early: 0 s); c is missed; e is after the window.
BR1's activity: a started 11-25 00:00:30 UTC, after = 5 + 3 = 8, its earlier weeks 11-18 (2),
11-11 (1), 11-04 (0), 10-28 left out (before the room's first counted hour 11-01) -> 1.0;
b and d: 0 after, 0.0 before. s4 (started 01:00:05 UTC): 3 after, 0.0 before."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.report_math import Numbers
from services.reports import build_report
from tests.support.command_world import ROOMS
from tests.support.report_world import GONE_SCHEDULE, WINDOW, build_report_world

NUMBERS = tuple(f.name for f in fields(Numbers))


def numbers(report: Any) -> dict[str, Any]:
    return {key: value for key, value in asdict(report).items() if key in NUMBERS}


def row(*values: Any) -> dict[str, Any]:
    return dict(zip(NUMBERS, values, strict=True))


S1 = row(3, 3, 0, 1, 1, 0, 1, 0.6667, 30, 120, 2, 3, 8, 1.0)
S2 = row(1, 0, 1, 0, 0, 1, 0, 1.0, 10, 10, 0, 0, None, None)
S3 = row(1, 0, 1, 0, 0, 0, 0, None, None, None, 0, 0, None, None)
S4 = row(1, 1, 0, 0, 1, 0, 0, 1.0, 5, 5, 1, 1, 3, 0.0)
GONE = row(1, 1, 0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, None, None)
CAMPAIGN = row(5, 3, 2, 1, 1, 1, 1, 0.75, 10, 120, 2, 3, 8, 1.0)


async def test_every_number_for_headquarters(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    w = await build_report_world(sessions)
    async with sessions() as s:
        report = await build_report(s, None, WINDOW)
    by_id = {r.schedule_id: r for r in report.schedules}
    assert list(by_id) == sorted([*w.schedules.values(), GONE_SCHEDULE])
    for key, expected in {"s1": S1, "s2": S2, "s3": S3, "s4": S4}.items():
        assert numbers(by_id[w.schedules[key]]) == expected, key
    assert numbers(by_id[GONE_SCHEDULE]) == GONE
    gone = by_id[GONE_SCHEDULE]
    assert (gone.title, gone.campaign_id, gone.target_room_id) == (None, None, ROOMS["BR3"])
    s1 = by_id[w.schedules["s1"]]
    assert (s1.title, s1.campaign_id, s1.target_room_id) == (
        "봄 세일 =강남",
        w.campaign,
        ROOMS["BR1"],
    )
    assert s1.room_name == "도매까 강남지점 공지방"
    assert by_id[w.schedules["s4"]].campaign_id is None
    [campaign] = report.campaigns
    assert (campaign.campaign_id, campaign.title, campaign.rooms) == (w.campaign, "봄 세일", 3)
    assert numbers(campaign) == CAMPAIGN
    rooms = {r.room_id: numbers(r) for r in campaign.room_rows}
    assert rooms == {ROOMS["BR1"]: S1, ROOMS["BR2"]: S2, ROOMS["BR3"]: S3}
    worst = [r.room_id for r in campaign.worst_rooms()]
    assert worst == [ROOMS["BR2"], ROOMS["BR3"], ROOMS["BR1"]]  # failed + missed, unconfirmed
    assert s1.activity_lift == 7.0 and s1.activity_ratio == 8.0
    assert by_id[w.schedules["s4"]].activity_ratio is None  # no baseline to divide by


async def test_visibility_and_org_narrowing(sessions: async_sessionmaker[AsyncSession]) -> None:
    w = await build_report_world(sessions)
    async with sessions() as s:
        br1 = await build_report(s, {w.orgs["BR1"]}, WINDOW)
        ag1 = await build_report(s, {w.orgs["AG1"], w.orgs["BR1"], w.orgs["BR2"]}, WINDOW)
        br3_of_hq = await build_report(s, None, WINDOW, org_id=w.orgs["BR3"])
        br3_of_br1 = await build_report(s, {w.orgs["BR1"]}, WINDOW, org_id=w.orgs["BR3"])
        one = await build_report(s, None, WINDOW, schedule_ids=[w.schedules["s4"]])
        nothing = await build_report(s, set(), WINDOW)
    assert [r.schedule_id for r in br1.schedules] == [w.schedules["s1"], w.schedules["s4"]]
    [campaign] = br1.campaigns
    assert campaign.rooms == 1 and numbers(campaign) == S1
    assert [r.schedule_id for r in ag1.schedules] == [w.schedules[k] for k in ("s1", "s2", "s4")]
    assert ag1.campaigns[0].rooms == 2
    assert [r.schedule_id for r in br3_of_hq.schedules] == [w.schedules["s3"], GONE_SCHEDULE]
    assert br3_of_br1.schedules == [] and br3_of_br1.campaigns == []
    assert [numbers(r) for r in one.schedules] == [S4] and one.campaigns == []
    assert nothing.schedules == [] and nothing.campaigns == []
