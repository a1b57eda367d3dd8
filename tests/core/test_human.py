"""``core.human``: durations in Korean units and local times with their zone, as every door
shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commands import format as fmt
from core.human import duration, local_iso, local_stamp

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("ms", "shown"),
    [
        (0, "0초"),
        (400, "0.4초"),
        (3000, "3초"),
        (12_000, "12초"),
        (514_032, "8분 34초"),
        (660_000, "11분"),
        (3_900_000, "1시간 5분"),
        (10_800_000, "3시간"),
        (514_032_000, "5일 22시간"),  # a week-old PHP row after downtime, not "514032s"
        (172_800_000, "2일"),
        (660_400.5, "11분"),  # lateness is measured as a float
    ],
)
def test_duration(ms: float, shown: str) -> None:
    assert duration(ms) == shown


def test_the_chat_and_pages_use_the_same_helper() -> None:
    assert fmt.duration is duration


def test_local_times_name_their_offset() -> None:
    moment = datetime(2026, 11, 27, 0, 12, 30, tzinfo=UTC)
    assert local_iso(moment, SEOUL) == "2026-11-27T09:12:30+09:00"
    assert local_stamp(moment, SEOUL) == "2026-11-27 09:12 (Asia/Seoul, +09:00)"
    assert local_stamp(moment, ZoneInfo("America/New_York")) == (
        "2026-11-26 19:12 (America/New_York, -05:00)"
    )
