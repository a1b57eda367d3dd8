"""Schedule rules against a brute-force walk over wall-clock time (hypothesis): next sends
agree, chain upwards and follow the rule, across DST transitions too."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.rules import (
    WEEKDAYS,
    Rule,
    next_occurrence,
    upcoming,
)
from tests.support.rules import LONDON, LORD_HOWE, NEW_YORK, SEOUL, utc

# DST changes (instants) in each zone tested, and plain moments for Seoul
TRANSITIONS = {
    SEOUL: [datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 2, 28, 15, tzinfo=UTC)],
    NEW_YORK: [
        datetime(2026, 3, 8, 7, tzinfo=UTC),
        datetime(2026, 11, 1, 6, tzinfo=UTC),
        datetime(2027, 3, 14, 7, tzinfo=UTC),
        datetime(2027, 11, 7, 6, tzinfo=UTC),
    ],
    LONDON: [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
    LORD_HOWE: [datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)],
}
DAY = timedelta(days=1)


def in_gap(wall: datetime, tz: ZoneInfo) -> bool:
    """PEP 495: in a gap fold=0 takes the (smaller) offset from before the change."""
    before, after = tz.utcoffset(wall.replace(fold=0)), tz.utcoffset(wall.replace(fold=1))
    assert before is not None and after is not None
    return before < after


def brute_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """First pass of a fold; for a wall time in a gap, the first existing minute after it
    (transitions in the zones tested fall on whole minutes)."""
    if not in_gap(wall, tz):
        return wall.replace(tzinfo=tz, fold=0)
    probe = wall.replace(second=0)
    while in_gap(probe, tz):
        probe += timedelta(minutes=1)
    return probe.replace(tzinfo=tz)


def brute_next(rule: Rule, after: datetime, tz: ZoneInfo) -> datetime | None:
    """Walk the days one by one in local time; no croniter."""
    if rule.schedule_type == "once":
        assert rule.date is not None
        days = [rule.date]
    else:
        first = after.astimezone(tz).date() - 2 * DAY
        if rule.valid_from is not None:
            first = max(first, rule.valid_from.date() - 2 * DAY)
        days = [first + n * DAY for n in range(16)]
    for day in days:
        if rule.schedule_type == "weekly" and WEEKDAYS[day.weekday()] not in rule.weekdays:
            continue
        instant = brute_instant(datetime.combine(day, rule.time), tz)
        reading = instant.replace(tzinfo=None)
        if instant.astimezone(UTC) <= after.astimezone(UTC):
            continue
        if rule.valid_from is not None and reading < rule.valid_from:
            continue
        if rule.valid_until is not None and reading > rule.valid_until:
            continue
        return instant
    return None


@st.composite
def scenarios(draw: st.DrawFn, near_dst: bool = False) -> tuple[Rule, datetime, ZoneInfo]:
    """A rule, an `after` and a zone around one of TRANSITIONS. With near_dst, the rule time is
    within an hour of a DST change's wall time (so often in its gap or fold) and `after` is in
    the day before the change."""
    tz = draw(
        st.sampled_from(
            [z for z in TRANSITIONS if z is not SEOUL] if near_dst else list(TRANSITIONS)
        )
    )
    transition = draw(st.sampled_from(TRANSITIONS[tz]))
    anchor = datetime.combine(transition.astimezone(tz).date(), time())  # naive local midnight
    near_transition = st.integers(-3600, 3600).map(
        lambda s: (transition.astimezone(tz).replace(tzinfo=None) + timedelta(seconds=s)).time()
    )
    any_time = st.builds(
        time,
        st.integers(0, 23),
        st.one_of(st.sampled_from([0, 30, 59]), st.integers(0, 59)),
        st.one_of(st.just(0), st.integers(0, 59)),
    )
    at = draw(near_transition if near_dst else st.one_of(near_transition, any_time))
    kind: Literal["once", "daily", "weekly"] = draw(st.sampled_from(["once", "daily", "weekly"]))
    weekdays = (
        draw(st.frozensets(st.sampled_from(WEEKDAYS), min_size=1))
        if kind == "weekly"
        else frozenset()
    )
    days_away = st.just(0) if near_dst else st.integers(-3, 10)
    day = (anchor + draw(days_away) * DAY).date() if kind == "once" else None

    def bound() -> datetime | None:
        return draw(
            st.one_of(
                st.none(),
                st.integers(-4 * 86400, 12 * 86400).map(lambda s: anchor + timedelta(seconds=s)),
                # exactly at, or a second around, the rule's time on some day
                st.tuples(st.integers(-4, 12), st.integers(-1, 1)).map(
                    lambda d: (
                        datetime.combine((anchor + d[0] * DAY).date(), at) + timedelta(seconds=d[1])
                    )
                ),
            )
        )

    valid_from, valid_until = bound(), bound()
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        valid_from, valid_until = valid_until, valid_from
    rule = Rule(kind, at, day, weekdays, valid_from, valid_until)
    offsets = (
        st.integers(-26 * 3600, 7200)
        if near_dst
        else st.one_of(st.integers(-3 * 86400, 3 * 86400), st.integers(-7200, 7200))
    )
    offset = draw(offsets)
    micro = draw(st.sampled_from([0, 0, 1, 999999]))
    after = transition + timedelta(seconds=offset, microseconds=micro)
    after = after.astimezone(draw(st.sampled_from([UTC, tz])))
    return rule, after, tz


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_next_occurrence_agrees_with_brute_force(scenario: tuple[Rule, datetime, ZoneInfo]) -> None:
    rule, after, tz = scenario
    assert utc(next_occurrence(rule, after, tz)) == utc(brute_next(rule, after, tz))


@settings(max_examples=200, deadline=None)
@given(scenarios(near_dst=True))
def test_next_occurrence_agrees_with_brute_force_around_dst(
    scenario: tuple[Rule, datetime, ZoneInfo],
) -> None:
    rule, after, tz = scenario
    assert utc(next_occurrence(rule, after, tz)) == utc(brute_next(rule, after, tz))


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_chained_occurrences_increase_and_follow_the_rule(
    scenario: tuple[Rule, datetime, ZoneInfo],
) -> None:
    rule, after, tz = scenario
    chain: list[datetime] = []
    previous: datetime | None = after
    while previous is not None and len(chain) < 8:
        previous = next_occurrence(rule, previous, tz)
        if previous is not None:
            chain.append(previous)
    assert upcoming(rule, after, tz, 8) == chain
    instants = [after.astimezone(UTC)] + [c.astimezone(UTC) for c in chain]
    assert instants == sorted(set(instants))  # strictly increasing
    for sent in chain:
        reading = sent.replace(tzinfo=None)
        assert rule.valid_from is None or reading >= rule.valid_from
        assert rule.valid_until is None or reading <= rule.valid_until
        if rule.schedule_type == "weekly":
            assert WEEKDAYS[reading.weekday()] in rule.weekdays
        if rule.schedule_type == "once":
            assert reading.date() == rule.date
        if reading.time() != rule.time:  # only a time inside a spring-forward gap moves
            nominal = datetime.combine(reading.date(), rule.time)
            assert (
                nominal.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
                != nominal
            )
            assert nominal < reading < nominal + timedelta(hours=1)
    if rule.schedule_type == "once":
        assert len(chain) <= 1
