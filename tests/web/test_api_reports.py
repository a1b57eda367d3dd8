"""``GET /api/reports`` over real HTTP on SQLite and MariaDB: the JSON (every number as
``tests/services/test_reports.py`` works them out, the OpenAPI document checked by
``Api.call``), the CSV (BOM, header row, Korean round trip, formula cells guarded), the 400s
naming the parameter, the org filter and who sees what."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import update

from core.config import Config
from storage.models import Schedule
from tests.services.test_reports import CAMPAIGN, NUMBERS, S1, S2, S3, S4
from tests.support.api import Api, make_api
from tests.support.command_world import ROOMS
from tests.support.report_world import GONE_SCHEDULE, ReportWorld, build_report_world

WEEK = "from=2026-11-20&to=2026-11-26"
CONTRACT_SCHEDULE = [  # shared/CONTRACT.md
    "schedule_id",
    "campaign_id",
    "title",
    "target_room_id",
    "sends",
    "success",
    "failed",
    "unconfirmed",
    "on_time_rate",
    "replies",
]
CONTRACT_CAMPAIGN = "campaign_id rooms sends success failed unconfirmed on_time_rate replies"


async def setup(cfg: Config, sessions: Any, aiohttp_client: Any) -> tuple[Api, ReportWorld]:
    api = await make_api(aiohttp_client, cfg, sessions)
    return api, await build_report_world(sessions, world_built=True)


def picked(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in NUMBERS}


async def test_json_has_every_number(cfg: Config, sessions: Any, aiohttp_client: Any) -> None:
    api, w = await setup(cfg, sessions, aiohttp_client)
    status, body = await api.call("GET", f"/api/reports?{WEEK}", "HQ")
    assert status == 200, body
    assert (body["date_from"], body["date_to"], body["org"]) == ("2026-11-20", "2026-11-26", None)
    by_id = {item["schedule_id"]: item for item in body["schedules"]}
    assert set(by_id) == {*w.schedules.values(), GONE_SCHEDULE}
    for key, expected in {"s1": S1, "s2": S2, "s3": S3, "s4": S4}.items():
        assert picked(by_id[w.schedules[key]]) == expected
    s1 = by_id[w.schedules["s1"]]
    assert set(CONTRACT_SCHEDULE) <= set(s1)
    assert (s1["title"], s1["campaign_id"], s1["target_room_id"]) == (
        "봄 세일 =강남",
        w.campaign,
        ROOMS["BR1"],
    )
    [campaign] = body["campaigns"]
    assert set(CONTRACT_CAMPAIGN.split()) <= set(campaign)
    assert (campaign["title"], campaign["rooms"]) == ("봄 세일", 3)
    assert picked(campaign) == CAMPAIGN
    assert len(campaign["room_rows"]) == 3
    assert "읽음" in " ".join(body["notes"]["limits"])
    raw = await api.client.get(f"/api/reports?{WEEK}", headers=api.auth("HQ"))
    assert "봄 세일" in await raw.text()  # Korean as is, not \uXXXX
    assert "정시율" in body["notes"]["meanings"]


async def test_csv(cfg: Config, sessions: Any, aiohttp_client: Any) -> None:
    api, w = await setup(cfg, sessions, aiohttp_client)
    response = await api.client.get(f"/api/reports?{WEEK}&format=csv", headers=api.auth("HQ"))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = 'attachment; filename="kbot-report-2026-11-20-2026-11-26.csv"'
    assert response.headers["Content-Disposition"] == disposition
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[: len(CONTRACT_SCHEDULE)] == list(CONTRACT_SCHEDULE)
    by_id = {int(row["schedule_id"]): row for row in rows}
    s1 = by_id[w.schedules["s1"]]
    assert s1["title"] == "봄 세일 =강남"  # "=" not at the start: as is
    assert by_id[w.schedules["s4"]]["title"] == "단독 공지"
    assert (s1["sends"], s1["on_time_rate"], s1["activity_baseline"]) == ("3", "0.6667", "1.0")
    assert by_id[GONE_SCHEDULE]["title"] == "" and by_id[GONE_SCHEDULE]["campaign_id"] == ""


async def test_csv_guards_formula_titles(cfg: Config, sessions: Any, aiohttp_client: Any) -> None:
    api, w = await setup(cfg, sessions, aiohttp_client)
    titles = {"s1": '=HYPERLINK("http://x")', "s2": "+1", "s3": "-2", "s4": "@SUM(A1)"}
    async with sessions.begin() as s:
        for key, title in titles.items():
            await s.execute(
                update(Schedule).where(Schedule.id == w.schedules[key]).values(title=title)
            )
    response = await api.client.get(f"/api/reports?{WEEK}&format=csv", headers=api.auth("HQ"))
    rows = list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    by_id = {int(row["schedule_id"]): row["title"] for row in rows}
    for key, title in titles.items():
        assert by_id[w.schedules[key]] == "'" + title


async def test_bad_parameters(cfg: Config, sessions: Any, aiohttp_client: Any) -> None:
    api, _ = await setup(cfg, sessions, aiohttp_client)
    cases = {
        "": "from",
        "from=2026-11-20": "to",
        "from=2026-13-01&to=2026-11-26": "from",
        "from=2026-11-20&to=어제": "to",
        "from=2026-11-26&to=2026-11-20": "to",
        "from=2025-01-01&to=2026-11-26": "to",
        f"{WEEK}&format=xlsx": "format",
    }
    for query, field in cases.items():
        status, body = await api.call("GET", f"/api/reports?{query}", "HQ")
        assert (status, body["error"]["field"]) == (400, field), query
    status, body = await api.call("GET", f"/api/reports?{WEEK}", None)
    assert status == 401


async def test_who_sees_what(cfg: Config, sessions: Any, aiohttp_client: Any) -> None:
    api, w = await setup(cfg, sessions, aiohttp_client)

    async def ids(who: str, extra: str = "") -> list[int]:
        status, body = await api.call("GET", f"/api/reports?{WEEK}{extra}", who)
        assert status == 200, body
        return [item["schedule_id"] for item in body["schedules"]]

    s = w.schedules
    assert await ids("BR1") == [s["s1"], s["s4"]]
    assert await ids("BR2") == [s["s2"]]
    assert await ids("AG1") == [s["s1"], s["s2"], s["s4"]]
    assert await ids("HQ", "&org=BR3") == [s["s3"], GONE_SCHEDULE]
    assert await ids("AG1", "&org=BR2") == [s["s2"]]
    for who, code in (("BR1", "BR2"), ("BR1", "HQ"), ("HQ", "NOPE")):
        status, body = await api.call("GET", f"/api/reports?{WEEK}&org={code}", who)
        assert (status, body["error"]["field"]) == (404, "org"), (who, code)
    status, body = await api.call("GET", f"/api/reports?{WEEK}", "BR1")
    [campaign] = body["campaigns"]
    assert campaign["rooms"] == 1 and picked(campaign) == S1
