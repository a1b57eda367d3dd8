"""A rule's times with its holiday policy applied, in time order: every time of the rule in
its validity window, sent where it falls, moved to a business day, or dropped.

- ``skip`` drops a time on a holiday; ``next_business_day`` / ``previous_business_day`` move
  it, same wall time, to the nearest day that is neither a weekend nor a holiday (weekends
  only matter where a moved time lands: a Saturday rule still sends on an ordinary Saturday);
- a move looks at most ``MAX_MOVE_DAYS`` away, never crosses into another month for a
  monthly rule, and never lands outside the validity window: the time is dropped instead;
- times landing on one instant send once.

Moves reorder times (a Monday holiday moved back to Friday lands before the Saturday time of
a rule that also sends on Saturdays), so times wait in a heap until no later rule time can
land before them.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.base_times import base_walls
from scheduler.calendar import HolidayCalendar
from scheduler.cron import to_instant
from scheduler.rule_model import Planned, Rule

MAX_MOVE_DAYS = 31
# Longer than any spring-forward gap in tzdata (the longest, Samoa 2011, skipped one day). A
# rule time inside a gap that contains valid_from fires at the gap's end, which may be at or
# after valid_from although the rule time itself is before it.
LONGEST_GAP = timedelta(days=2)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Slot:
    """A planned time with its UTC instant (the sort key) and the wall reading it sends at."""

    key: datetime
    planned: Planned

    @property
    def reading(self) -> datetime:
        return self.planned.at.replace(tzinfo=None)


def slots(
    rule: Rule, after_wall: datetime, tz: ZoneInfo, calendar: HolidayCalendar
) -> Iterator[Slot]:
    """The rule's planned times whose own or moved time may be after the naive local
    ``after_wall``, in instant order (the caller drops those not after its instant)."""
    moves = rule.holiday_policy in ("next_business_day", "previous_business_day")
    start = after_wall
    run_start = _run_start(after_wall.date(), calendar) if moves else None
    if rule.holiday_policy == "next_business_day" and run_start is not None:
        start = min(start, run_start)
    if rule.valid_from is not None:
        start = max(start, rule.valid_from - LONGEST_GAP)
    walls = base_walls(rule, start)
    if rule.holiday_policy == "send" or not calendar.days:
        yield from _plain(rule, walls, tz)
        return
    pending: list[tuple[datetime, int, Slot]] = []
    for seq, wall in enumerate(walls):
        instant = to_instant(wall, tz)
        if rule.valid_until is not None and instant.replace(tzinfo=None) > rule.valid_until:
            break  # readings never decrease along the walls
        if rule.valid_from is not None and instant.replace(tzinfo=None) < rule.valid_from:
            continue
        slot = _slot(rule, wall, instant, tz, calendar)
        heapq.heappush(pending, (slot.key, seq, slot))
        bound = instant.astimezone(UTC)
        if moves and rule.holiday_policy == "previous_business_day":
            bound = min(bound, _earliest_landing(wall.date(), tz, calendar))
        while pending and pending[0][0] <= bound:
            yield heapq.heappop(pending)[2]
    while pending:
        yield heapq.heappop(pending)[2]


def _plain(rule: Rule, walls: Iterator[datetime], tz: ZoneInfo) -> Iterator[Slot]:
    for wall in walls:
        instant = to_instant(wall, tz)
        reading = instant.replace(tzinfo=None)
        if rule.valid_until is not None and reading > rule.valid_until:
            return
        if rule.valid_from is not None and reading < rule.valid_from:
            continue
        yield Slot(instant.astimezone(UTC), Planned(instant, sent=True))


def _slot(
    rule: Rule, wall: datetime, instant: datetime, tz: ZoneInfo, calendar: HolidayCalendar
) -> Slot:
    name = calendar.holiday(wall.date())
    key = instant.astimezone(UTC)
    if name is None:
        return Slot(key, Planned(instant, sent=True))
    dropped = Slot(key, Planned(instant, sent=False, holiday=name, reason="holiday"))
    if rule.holiday_policy == "skip":
        return dropped
    step = 1 if rule.holiday_policy == "next_business_day" else -1
    day = landing_day(wall.date(), step, calendar)
    if day is None or (rule.schedule_type == "monthly" and day.month != wall.month):
        return dropped
    moved = to_instant(datetime.combine(day, wall.time()), tz)
    reading = moved.replace(tzinfo=None)
    if (rule.valid_from is not None and reading < rule.valid_from) or (
        rule.valid_until is not None and reading > rule.valid_until
    ):
        return dropped
    return Slot(
        moved.astimezone(UTC),
        Planned(moved, sent=True, moved_from=instant, holiday=name, reason="holiday"),
    )


def landing_day(day: date, step: int, calendar: HolidayCalendar) -> date | None:
    """The nearest business day after (step 1) or before (step -1) ``day``, within
    ``MAX_MOVE_DAYS``; None when there is none that near."""
    for distance in range(1, MAX_MOVE_DAYS + 1):
        candidate = day + distance * step * _DAY
        if calendar.business_day(candidate):
            return candidate
    return None


def _run_start(day: date, calendar: HolidayCalendar) -> datetime | None:
    """Just before the first holiday among ``day`` and the non-business days right before
    it: earlier times on those holidays move forward onto ``day`` or later (None: no such
    holiday, as after an ordinary weekend)."""
    first = day if calendar.holiday(day) is not None else None
    probe = day - _DAY
    while (day - probe).days <= MAX_MOVE_DAYS and not calendar.business_day(probe):
        if calendar.holiday(probe) is not None:
            first = probe
        probe -= _DAY
    return None if first is None else datetime.combine(first, time()) - timedelta(seconds=1)


def _earliest_landing(day: date, tz: ZoneInfo, calendar: HolidayCalendar) -> datetime:
    """A lower bound (UTC) of where any rule time on or after ``day`` can land when moved
    back: the landing of the first holiday from ``day`` on (landings never decrease with
    the holiday), or far back when it has none."""
    holiday = calendar.next_holiday(day)
    if holiday is None:
        return datetime.max.replace(tzinfo=UTC)
    landing = landing_day(holiday, -1, calendar) or holiday - MAX_MOVE_DAYS * _DAY
    return to_instant(datetime.combine(landing, time()), tz).astimezone(UTC)
