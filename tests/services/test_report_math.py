"""The pure arithmetic of reports (``services.report_math``) and the CSV cell guard
(``web.report_csv``): percentiles, lateness, the activity comparison and stored values that
are garbage."""

from __future__ import annotations

from datetime import datetime

from services.report_math import (
    activity_of,
    confirmation_text,
    hour_of,
    is_missed,
    lateness_s,
    percentile,
)
from web.report_csv import safe_cell


def test_nearest_rank_percentiles() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.95) == 7
    assert percentile([3, 1, 2, 4], 0.5) == 2
    assert percentile(list(range(1, 21)), 0.95) == 19
    assert percentile(list(range(1, 21)), 1.0) == 20


def test_lateness_and_missed() -> None:
    at = datetime(2026, 11, 25, 9, 0)
    assert lateness_s(at, datetime(2026, 11, 25, 9, 1, 1)) == 61
    assert lateness_s(at, datetime(2026, 11, 25, 8, 59)) == 0  # started early: on time
    assert is_missed("skipped: 발송 시각이 지났습니다")
    assert not is_missed("skipped") and not is_missed(None)


def test_garbage_api_responses_are_unknown() -> None:
    assert confirmation_text('{"confirmation": "confirmed"}') == "confirmed"
    for raw in (None, "", "not json{", '{"confirmation": 5}', '["confirmation"]', "null"):
        assert confirmation_text(raw) == "unknown", raw


def test_activity_leaves_out_weeks_before_counting_began() -> None:
    hour = hour_of(datetime(2026, 11, 25, 0, 13, 40))
    assert hour == datetime(2026, 11, 25, 0)
    counts = {datetime(2026, 11, 25, 0): 3, datetime(2026, 11, 25, 1): 1}
    counts |= {datetime(2026, 11, 18, 1): 4, datetime(2026, 11, 11, 0): 2}
    assert activity_of(hour, counts, None) is None  # never counted
    assert activity_of(hour, counts, datetime(2026, 11, 25, 0)) is None  # counted since now
    assert activity_of(hour, counts, datetime(2026, 11, 11, 0)) == (4, 3.0)  # 2 weeks
    assert activity_of(hour, counts, datetime(2026, 1, 1)) == (4, 1.5)  # 4 weeks


def test_csv_cells_that_could_run_as_formulas_are_quoted() -> None:
    for text in ("=1+1", "+82", "-3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("봄 세일 =강남") == "봄 세일 =강남"
    assert safe_cell(-3) == -3 and safe_cell(None) == ""
