"""The ``/reports`` page and ``/reports.csv`` through the real app on SQLite and MariaDB: the
default window (the last 7 days), the tables, the inline SVG charts with their text
alternative, the org select, the honesty notes, the CSV download and who sees what."""

from __future__ import annotations

import csv
import io

from tests.support.command_world import ROOMS
from tests.support.pages import Site
from tests.support.report_world import build_report_world


async def test_page_for_headquarters(site: Site) -> None:
    w = await build_report_world(site.sessions, world_built=True)
    await site.login("HQ")
    status, html = await site.get("/reports")  # the last 7 days: 11-20 .. 11-26
    assert status == 200
    assert 'value="2026-11-20"' in html and 'value="2026-11-26"' in html
    assert html.count('class="schedule-report"') == 5  # s1..s4 and the deleted schedule
    assert f'data-campaign="{w.campaign}"' in html and "봄 세일" in html
    assert "(삭제된 스케줄)" in html
    for key in (f"delivery-{w.campaign}", "lateness", "engagement"):
        assert f'data-chart="{key}"' in html and f'id="alt-{key}"' in html
    # delivery by room: BR1 1 confirmed + 1 missed, BR2 1 unconfirmed, BR3 1 failed
    assert "도매까 강남지점 공지방: 확인 1, 미확인 0, 실패 0, 누락 1" in html
    assert "BR2 공지방: 확인 0, 미확인 1, 실패 1, 누락 0" in html
    assert "봄 세일: 답장 2, 방 활동(발송 후) 8, 평소 1" in html
    assert "66.7%" in html and "8 / 1.0 (×8.0)" in html
    assert "읽음 수와 공감" in html and "조용하다고" in html
    assert 'href="/reports.csv?from=2026-11-20&amp;to=2026-11-26"' in html
    assert '<option value="BR3"' in html
    status, html = await site.get("/reports?from=2026-11-20&to=2026-11-26&org=BR3")
    assert html.count('class="schedule-report"') == 2
    assert "org=BR3" in html


async def test_page_for_a_branch_and_bad_dates(site: Site) -> None:
    w = await build_report_world(site.sessions, world_built=True)
    await site.login("BR1")
    status, html = await site.get("/reports")
    assert status == 200
    assert html.count('class="schedule-report"') == 2
    assert ROOMS["BR3"] not in html and "서초" not in html
    assert f'data-schedule="{w.schedules["s1"]}"' in html
    assert '<option value="BR3"' not in html  # one org: no select at all
    status, html = await site.get("/reports?from=2026-11-26&to=2026-11-01")
    assert status == 400 and "끝 날짜" in html
    assert html.count('class="schedule-report"') == 2  # the default window instead
    status, html = await site.get("/reports?from=2026-11-20&to=2026-11-26&org=BR3")
    assert status == 400 and "찾을 수 없습니다" in html


async def test_csv_download(site: Site) -> None:
    w = await build_report_world(site.sessions, world_built=True)
    await site.login("BR1")
    response = await site.client.get("/reports.csv?from=2026-11-20&to=2026-11-26")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "kbot-report-2026-11-20-2026-11-26.csv" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [int(r["schedule_id"]) for r in rows] == [w.schedules["s1"], w.schedules["s4"]]
    assert rows[1]["title"] == "단독 공지"
    response = await site.client.get("/reports.csv?from=nope&to=2026-11-26")
    assert response.status == 400
