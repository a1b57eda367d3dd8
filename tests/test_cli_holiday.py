"""``kbot holiday add|remove|list`` on both backends: days off added to or removed from the
Korean public holidays, each change in kbot_holidays and the audit log; bad dates exit 2
naming the argument; storage.holidays gives the calendar's overrides and a version."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import korean
from storage import holidays
from storage.kbot_models import HolidayDay
from tests.test_cli_access import Kbot, audit, ok, query, refused, row


@pytest.fixture
def db(kbot: Kbot) -> None:
    ok(kbot, "db", "upgrade")


def recorded(day: str) -> tuple[str, bool] | None:
    found = row(HolidayDay, day=date.fromisoformat(day))
    return None if found is None else (found.name, found.off)


def listed(kbot: Kbot, year: str) -> dict[str, tuple[str, str]]:
    """``kbot holiday list --year``: day -> (name, status)."""
    lines = ok(kbot, "holiday", "list", "--year", year).splitlines()
    assert lines[0].split() == ["day", "요일", "name", "status"]
    out = {}
    for line in lines[1:]:
        day, _weekday, rest = line.split(maxsplit=2)
        name, status = rest.rsplit("  ", 1)
        out[day] = (name.strip(), status.strip())
    return out


def test_add_a_company_day_off(kbot: Kbot, db: None) -> None:
    out = ok(kbot, "holiday", "add", "2027-02-10", "--name", "창립기념일")
    assert out.strip() == "2027-02-10 added as a day off: 창립기념일"
    assert recorded("2027-02-10") == ("창립기념일", True)
    assert audit("holiday", "2027-02-10") == [("holiday_add", "cli")]
    assert ok(kbot, "holiday", "add", "2027-02-10", "--name", "창립기념일").startswith(
        "2027-02-10 is a day off already"
    )
    assert audit("holiday", "2027-02-10") == [("holiday_add", "cli")]
    ok(kbot, "holiday", "add", "2027-03-05")
    assert recorded("2027-03-05") == ("휴무일", True)
    days = listed(kbot, "2027")
    assert days["2027-02-10"] == ("창립기념일", "추가")
    assert days["2027-02-09"] == ("설날 대체 휴일", "공휴일")


def test_remove_a_public_holiday_then_add_it_back(kbot: Kbot, db: None) -> None:
    out = ok(kbot, "holiday", "remove", "2027-02-09")
    assert (
        out.strip() == "2027-02-09 (설날 대체 휴일) removed: it is a business day (sends as usual)"
    )
    assert recorded("2027-02-09") == ("설날 대체 휴일", False)
    assert listed(kbot, "2027")["2027-02-09"] == ("설날 대체 휴일", "제외 (영업일)")
    ok(kbot, "holiday", "add", "2027-02-09")
    assert recorded("2027-02-09") is None
    assert listed(kbot, "2027")["2027-02-09"] == ("설날 대체 휴일", "공휴일")
    assert audit("holiday", "2027-02-09") == [("holiday_remove", "cli"), ("holiday_forget", "cli")]


def test_remove_an_added_day_deletes_its_row(kbot: Kbot, db: None) -> None:
    ok(kbot, "holiday", "add", "2027-02-10", "--name", "창립기념일")
    assert "business day" in ok(kbot, "holiday", "remove", "2027-02-10")
    assert recorded("2027-02-10") is None
    assert "2027-02-10" not in listed(kbot, "2027")


def test_public_holiday_added_again_changes_nothing(kbot: Kbot, db: None) -> None:
    out = ok(kbot, "holiday", "add", "2027-02-07")
    assert out.strip() == "2027-02-07 (설날) is a public holiday already: nothing changed"
    assert recorded("2027-02-07") is None
    assert audit("holiday", "2027-02-07") == []


def test_remove_of_an_ordinary_day_is_refused(kbot: Kbot, db: None) -> None:
    err = refused(kbot, "holiday", "remove", "2027-02-11")
    assert err.strip() == "kbot: error: 2027-02-11 is not a holiday: nothing to remove"
    assert recorded("2027-02-11") is None


@pytest.mark.parametrize(
    "argv",
    [
        ("holiday", "add", "2027-02-30"),
        ("holiday", "add", "27-2-10"),
        ("holiday", "remove", "tomorrow"),
    ],
)
def test_bad_dates_exit_2_naming_the_argument(
    kbot: Kbot, db: None, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        kbot(*argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument YYYY-MM-DD: '{argv[-1]}' is not a date: use YYYY-MM-DD" in err


def test_list_shows_the_year(kbot: Kbot, db: None) -> None:
    days = listed(kbot, "2026")
    assert len(days) == 22
    assert days["2026-09-25"] == ("추석", "공휴일")


def test_overrides_feed_the_calendar(kbot: Kbot, db: None) -> None:
    ok(kbot, "holiday", "add", "2027-02-10", "--name", "창립기념일")
    ok(kbot, "holiday", "remove", "2027-02-09")

    async def read(s: AsyncSession) -> tuple[list[tuple[date, str, bool]], int]:
        count, newest = await holidays.version(s)
        assert newest is not None
        return await holidays.overrides(s), count

    overrides, count = query(read)
    assert count == 2
    calendar = korean([2027], overrides)
    assert calendar.holiday(date(2027, 2, 10)) == "창립기념일"
    assert calendar.holiday(date(2027, 2, 9)) is None
    assert calendar.holiday(date(2027, 2, 8)) == "설날 다음날"
