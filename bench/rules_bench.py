"""Next-time micro-benchmark: ``scheduler.rules.next_occurrence`` per rule kind and holiday
policy, on the Korean calendar of 2026-2028, uncached (a new ``after`` each call, as for a
schedule's first computation) and cached (many schedules sharing a rule and a due time, as in
a burst).

    python -m bench.rules_bench [--calls 3000]

Prints microseconds per call for each rule and policy.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from scheduler.calendar import NO_HOLIDAYS, HolidayCalendar, korean
from scheduler.rules import HOLIDAY_POLICIES, HolidayPolicy, MonthDay, Rule, next_occurrence

SEOUL = ZoneInfo("Asia/Seoul")
DAY_31, LAST = MonthDay(day=31), MonthDay(last=True)
TUE_2, FRI_L = MonthDay(nth=2, weekday="tuesday"), MonthDay(nth=-1, weekday="friday")
START = datetime(2026, 1, 1, tzinfo=SEOUL)
THREE = (clock(9), clock(13), clock(18))
WEEKDAYS = frozenset({"monday", "wednesday", "friday"})
RULES: dict[str, Callable[[HolidayPolicy], Rule]] = {
    "daily 09:00 (seed)": lambda p: Rule("daily", clock(9), holiday_policy=p),
    "daily 09:00,13:00,18:00": lambda p: Rule("daily", clock(9), times=THREE, holiday_policy=p),
    "weekly mon,wed,fri": lambda p: Rule("weekly", clock(9), weekdays=WEEKDAYS, holiday_policy=p),
    "monthly day 31": lambda p: Rule("monthly", clock(9), month_day=DAY_31, holiday_policy=p),
    "monthly 말일": lambda p: Rule("monthly", clock(9), month_day=LAST, holiday_policy=p),
    "monthly 둘째 주 화요일": lambda p: Rule(
        "monthly", clock(9), month_day=TUE_2, holiday_policy=p
    ),
    "monthly 마지막 주 금요일": lambda p: Rule(
        "monthly", clock(9), month_day=FRI_L, holiday_policy=p
    ),
}


def per_call_us(rule: Rule, calendar: HolidayCalendar, afters: list[datetime]) -> float:
    began = time.perf_counter()
    for after in afters:
        next_occurrence(rule, after, SEOUL, calendar)
    return 1e6 * (time.perf_counter() - began) / len(afters)


def main(calls: int) -> None:
    calendar = korean([2026, 2027, 2028])
    # 2026-2027, every ~5 h: new instants (cache misses), some on and around holidays
    fresh = [START + timedelta(minutes=293 * n) for n in range(calls)]
    same = [START + timedelta(days=40)] * calls
    print(f"next_occurrence, µs per call ({calls} calls; uncached / cached)")
    print(f"{'rule':28} " + " ".join(f"{p:>24}" for p in HOLIDAY_POLICIES))
    for name, make in RULES.items():
        cells = []
        for policy in HOLIDAY_POLICIES:
            rule = make(policy)
            cal = NO_HOLIDAYS if policy == "send" else calendar
            cells.append(
                f"{per_call_us(rule, cal, fresh):>12.1f} / {per_call_us(rule, cal, same):>7.2f}"
            )
        print(f"{name:28} " + " ".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    main(parser.parse_args().calls)
