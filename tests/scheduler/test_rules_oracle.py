"""The engine (croniter + holiday moves + progress filters) against an independent oracle
(hypothesis): dateutil.rrule gives each rule's wall times, a plain walk over the days applies
the holiday policy and the window, then the skip, the pause and the count; across DST zones
(New York, London, Lord Howe's 30-minute shifts) and the Korean calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as rr
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.calendar import HolidayCalendar, korean
from scheduler.holiday_moves import MAX_MOVE_DAYS
from scheduler.rules import (
    HOLIDAY_POLICIES,
    WEEKDAYS,
    MonthDay,
    Progress,
    Rule,
    next_occurrence,
    upcoming,
)
from tests.scheduler.test_rules_brute_force import TRANSITIONS, brute_instant
from tests.support.rules import SEOUL

DAY = timedelta(days=1)
RR_DAYS = (rr.MO, rr.TU, rr.WE, rr.TH, rr.FR, rr.SA, rr.SU)
BACK = 40  # days before `after` the oracle starts from (moves reach at most MAX_MOVE_DAYS)
HORIZON = {"once": 800, "daily": 70, "weekly": 120, "monthly": 420}  # days after `after`
Scenario = tuple[Rule, datetime, ZoneInfo, HolidayCalendar, Progress]


def rrule_walls(rule: Rule, first: date, last: date) -> list[datetime]:
    """The rule's own wall times from ``first`` to ``last`` (dateutil, no croniter)."""
    if rule.schedule_type == "once":
        assert rule.date is not None
        return sorted(datetime.combine(rule.date, t) for t in rule.day_times)
    until = datetime.combine(last, time.max)
    walls: list[datetime] = []
    for t in rule.day_times:
        start = datetime.combine(first, t)
        if rule.schedule_type == "daily":
            walls += rr.rrule(rr.DAILY, dtstart=start, until=until)
        elif rule.schedule_type == "weekly":
            days = [RR_DAYS[WEEKDAYS.index(d)] for d in rule.weekdays]
            walls += rr.rrule(rr.WEEKLY, dtstart=start, until=until, byweekday=days)
        else:
            walls += month_walls(rule, start, until)
    return sorted(walls)


def month_walls(rule: Rule, start: datetime, until: datetime) -> list[datetime]:
    md = rule.month_day
    assert md is not None
    if md.nth is not None:
        assert md.weekday is not None
        weekday = RR_DAYS[WEEKDAYS.index(md.weekday)](md.nth)
        return list(rr.rrule(rr.MONTHLY, dtstart=start, until=until, byweekday=weekday))
    lasts = rr.rrule(rr.MONTHLY, dtstart=start, until=until + 31 * DAY, bymonthday=-1)
    out = [w if md.last else w.replace(day=min(md.day or 31, w.day)) for w in lasts]
    return [w for w in out if start <= w <= until]


def moved(day: date, step: int, calendar: HolidayCalendar) -> date | None:
    for distance in range(1, MAX_MOVE_DAYS + 1):
        candidate = day + step * distance * DAY
        if candidate.weekday() < 5 and candidate not in calendar.days:
            return candidate
    return None


def oracle(scenario: Scenario, count: int) -> tuple[list[datetime], datetime]:
    """The first ``count`` sends the oracle is sure of, and the instant up to which it is."""
    rule, after, tz, calendar, progress = scenario
    local = after.astimezone(tz).date()
    last = local + HORIZON[rule.schedule_type] * DAY
    cutoff = brute_instant(datetime.combine(last - (MAX_MOVE_DAYS + 1) * DAY, time()), tz)

    def inside(reading: datetime) -> bool:
        return not (
            (rule.valid_from is not None and reading < rule.valid_from)
            or (rule.valid_until is not None and reading > rule.valid_until)
        )

    sends: set[datetime] = set()
    for wall in rrule_walls(rule, local - BACK * DAY, last):
        instant = brute_instant(wall, tz)
        if not inside(instant.replace(tzinfo=None)):
            continue
        if wall.date() in calendar.days and rule.holiday_policy != "send":
            if rule.holiday_policy == "skip":
                continue
            step = 1 if rule.holiday_policy == "next_business_day" else -1
            day = moved(wall.date(), step, calendar)
            if day is None or (rule.schedule_type == "monthly" and day.month != wall.month):
                continue
            instant = brute_instant(datetime.combine(day, wall.time()), tz)
            if not inside(instant.replace(tzinfo=None)):
                continue
        sends.add(instant.astimezone(UTC))
    found = []
    for send in sorted(s for s in sends if s > after):
        reading = send.astimezone(tz).replace(tzinfo=None)
        if progress.paused_until is not None and reading.date() <= progress.paused_until:
            continue
        if reading == progress.skip_at:
            continue
        found.append(send)
    if progress.sends_left is not None:
        found = found[: progress.sends_left]
    return found[:count], cutoff.astimezone(UTC)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    tz = draw(st.sampled_from(list(TRANSITIONS)))
    transition = draw(st.sampled_from(TRANSITIONS[tz]))
    anchor = transition.astimezone(tz).replace(tzinfo=None)
    near_change = st.integers(-5400, 5400).map(
        lambda s: (anchor + timedelta(seconds=s)).time().replace(microsecond=0)
    )
    any_time = st.builds(
        time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]), st.sampled_from([0, 0, 30])
    )
    times = draw(st.lists(st.one_of(near_change, any_time), min_size=1, max_size=3))
    kind = draw(st.sampled_from(["once", "daily", "weekly", "monthly", "monthly"]))
    month_day = None
    if kind == "monthly":
        month_day = draw(
            st.one_of(
                st.builds(MonthDay, day=st.integers(1, 31)),
                st.just(MonthDay(last=True)),
                st.builds(
                    MonthDay,
                    nth=st.sampled_from([1, 2, 3, 4, 5, -1]),
                    weekday=st.sampled_from(WEEKDAYS),
                ),
            )
        )
    weekdays = draw(st.frozensets(st.sampled_from(WEEKDAYS), min_size=1, max_size=4))
    after = transition + timedelta(seconds=draw(st.integers(-4 * 86400, 4 * 86400)))
    base = after.astimezone(tz).date()
    on_day = (base + draw(st.integers(-3, 40)) * DAY) if kind == "once" else None

    def bound() -> datetime | None:
        offset = st.integers(-20 * 86400, 200 * 86400).map(lambda s: anchor + timedelta(seconds=s))
        return draw(st.one_of(st.none(), st.none(), offset))

    valid_from, valid_until = bound(), bound()
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        valid_from, valid_until = valid_until, valid_from
    rule = Rule(
        kind,  # type: ignore[arg-type]
        times[0],
        date=on_day,
        weekdays=weekdays if kind == "weekly" else frozenset(),
        valid_from=valid_from,
        valid_until=valid_until,
        times=tuple(times),
        month_day=month_day,
        holiday_policy=draw(st.sampled_from(HOLIDAY_POLICIES)),
    )
    if tz is SEOUL and draw(st.booleans()):
        calendar = korean([base.year - 1, base.year, base.year + 1])
    else:
        near = st.lists(st.tuples(st.integers(-6, 10), st.integers(1, 3)), min_size=1, max_size=4)
        far = st.lists(st.tuples(st.integers(-45, 150), st.integers(1, 6)), max_size=8)
        runs = draw(near) + draw(far)  # some within the first sends
        calendar = HolidayCalendar(
            {base + (start + n) * DAY: f"H{start}" for start, length in runs for n in range(length)}
        )
    skip_day = base + draw(st.integers(-2, 10)) * DAY
    progress = Progress(
        sends_left=draw(st.one_of(st.none(), st.integers(0, 6))),
        skip_at=draw(st.one_of(st.none(), st.just(datetime.combine(skip_day, times[-1])))),
        paused_until=draw(st.one_of(st.none(), st.integers(-5, 30).map(lambda d: base + d * DAY))),
    )
    after = after.astimezone(draw(st.sampled_from([UTC, tz])))
    return rule, after, tz, calendar, progress


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_upcoming_agrees_with_the_oracle(scenario: Scenario) -> None:
    rule, after, tz, calendar, progress = scenario
    expected, cutoff = oracle(scenario, 15)
    found = [t.astimezone(UTC) for t in upcoming(rule, after, tz, 15, calendar, progress)]
    assert [t for t in found if t < cutoff] == [t for t in expected if t < cutoff]


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_chained_next_occurrences_are_upcoming(scenario: Scenario) -> None:
    """Without a count, the next time after each send is the following upcoming time."""
    rule, after, tz, calendar, progress = scenario
    progress = Progress(skip_at=progress.skip_at, paused_until=progress.paused_until)
    chain: list[datetime] = []
    previous: datetime | None = after
    while previous is not None and len(chain) < 5:
        previous = next_occurrence(rule, previous, tz, calendar, progress)
        if previous is not None:
            chain.append(previous)
    assert upcoming(rule, after, tz, 5, calendar, progress) == chain
    instants = [after.astimezone(UTC), *(c.astimezone(UTC) for c in chain)]
    assert instants == sorted(set(instants))
