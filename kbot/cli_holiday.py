"""``kbot holiday add|remove|list``: days off added to, or removed from, the Korean public
holidays (the ``holidays`` package's KR calendar). Announced 임시공휴일 reach the package only
in a later release, and companies have their own days off; the holiday policies of the
schedules see the result (scheduler.calendar.korean)."""

from __future__ import annotations

import argparse
from datetime import date

from core.timeutil import to_local_naive
from kbot.cli_support import CliError, Command, Ctx, SubParsers, table
from scheduler.calendar import public_holidays
from storage import holidays
from storage.audit import CLI_ACTOR

DEFAULT_NAME = "휴무일"
_WEEKDAYS = "월화수목금토일"


def day_argument(raw: str) -> date:
    """argparse's type for a day: a bad one exits 2 naming the argument."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date: use YYYY-MM-DD") from None


def _public(day: date) -> str | None:
    return public_holidays([day.year]).get(day)


async def holiday_add(ctx: Ctx, args: argparse.Namespace) -> None:
    day: date = args.day
    public = _public(day)
    async with ctx.sessions.begin() as s:
        row = await holidays.get_day(s, day)
        now = ctx.clock.now()
        if public is not None and args.name is None:
            if row is None:
                print(f"{day} ({public}) is a public holiday already: nothing changed")
                return
            await holidays.delete_day(s, day, at=now, actor=CLI_ACTOR)
            print(f"{day} is a day off again: {public}")
            return
        name = args.name or DEFAULT_NAME
        if not await holidays.set_day(s, day, name, True, at=now, actor=CLI_ACTOR):
            print(f"{day} is a day off already: {name}")
            return
    print(f"{day} added as a day off: {name}")


async def holiday_remove(ctx: Ctx, args: argparse.Namespace) -> None:
    day: date = args.day
    public = _public(day)
    async with ctx.sessions.begin() as s:
        row = await holidays.get_day(s, day)
        now = ctx.clock.now()
        if row is not None and row.off:
            await holidays.delete_day(s, day, at=now, actor=CLI_ACTOR)
            row = None
            if public is None:
                print(f"{day} removed: it is a business day ({_business(day)})")
                return
        if public is None:
            raise CliError(f"{day} is not a holiday: nothing to remove")
        if row is not None:
            print(f"{day} ({public}) is a business day already")
            return
        await holidays.set_day(s, day, public, False, at=now, actor=CLI_ACTOR)
    print(f"{day} ({public}) removed: it is a business day ({_business(day)})")


def _business(day: date) -> str:
    return "weekend" if day.weekday() >= 5 else "sends as usual"


async def holiday_list(ctx: Ctx, args: argparse.Namespace) -> None:
    """The year's public holidays and the recorded changes, marked 공휴일 / 추가 / 제외."""
    year = args.year or to_local_naive(ctx.clock.now(), ctx.cfg.tz).year
    async with ctx.sessions() as s:
        recorded = {row.day: row for row in await holidays.list_days(s, year)}
    public = public_holidays([year])
    rows = []
    for day in sorted(set(public) | set(recorded)):
        row = recorded.get(day)
        if row is None:
            rows.append([day, _WEEKDAYS[day.weekday()], public[day], "공휴일"])
        elif row.off:
            rows.append([day, _WEEKDAYS[day.weekday()], row.name, "추가"])
        else:
            rows.append([day, _WEEKDAYS[day.weekday()], row.name, "제외 (영업일)"])
    table(["day", "요일", "name", "status"], rows)


def add_holiday_commands(cmd: Command, sub: SubParsers) -> None:
    """``kbot holiday add|remove|list``."""
    parent = cmd(sub, "holiday", "days off besides the Korean public holidays", None)
    holiday = parent.add_subparsers(dest="sub", required=True)
    a = cmd(holiday, "add", "add a day off (임시공휴일, a company day off)", holiday_add)
    a.add_argument("day", metavar="YYYY-MM-DD", type=day_argument)
    a.add_argument("--name", help=f"its name (default {DEFAULT_NAME})")
    a = cmd(holiday, "remove", "make a public holiday, or an added day, a business day", None)
    a.set_defaults(handler=holiday_remove)
    a.add_argument("day", metavar="YYYY-MM-DD", type=day_argument)
    a = cmd(holiday, "list", "the year's public holidays and the changes", holiday_list)
    a.add_argument("--year", type=int, help="default: this year")
