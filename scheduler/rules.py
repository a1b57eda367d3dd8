"""Schedule rules and their next send times.

Pure: no clock, no I/O. The next time is computed from the occurrence just handled (or from
"now" for a new schedule), as an aware instant in the configured zone:

- occurrences are the rule's wall-clock times in ``tz`` (croniter, scheduler.base_times); a
  time inside a spring-forward gap fires once at the end of the gap, a time inside a
  fall-back fold fires once (the first);
- the validity window is compared with the local wall-clock reading of the send time, both
  ends inclusive, like the seed's polling query (``NOW() BETWEEN valid_from AND valid_until``);
- the holiday policy moves or drops times (scheduler.holiday_moves); then the schedule's
  ``Progress`` drops the skipped time and paused days and ends after ``sends_left`` sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from functools import lru_cache
from itertools import chain, islice, takewhile
from zoneinfo import ZoneInfo

from scheduler.base_times import cron_expression as cron_expression
from scheduler.calendar import NO_HOLIDAYS, HolidayCalendar
from scheduler.holiday_moves import Slot, slots
from scheduler.rule_model import HOLIDAY_POLICIES as HOLIDAY_POLICIES
from scheduler.rule_model import NO_PROGRESS as NO_PROGRESS
from scheduler.rule_model import WEEKDAYS as WEEKDAYS
from scheduler.rule_model import HolidayPolicy as HolidayPolicy
from scheduler.rule_model import MonthDay as MonthDay
from scheduler.rule_model import Planned as Planned
from scheduler.rule_model import Progress as Progress
from scheduler.rule_model import Rule as Rule
from scheduler.rule_model import RuleError as RuleError
from scheduler.rule_model import ScheduleType as ScheduleType


def next_occurrence(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    calendar: HolidayCalendar = NO_HOLIDAYS,
    progress: Progress = NO_PROGRESS,
) -> datetime | None:
    """The first send time strictly after the aware ``after``, aware in ``tz``; None when the
    rule has no send left (a once rule already past, the window has ended, no sends left)."""
    _check_aware(after)
    return _next_cached(rule, after, tz, calendar, progress)


@lru_cache(maxsize=4096)
def _next_cached(
    rule: Rule, after: datetime, tz: ZoneInfo, calendar: HolidayCalendar, progress: Progress
) -> datetime | None:
    # Many schedules share a rule and a due time; the answer depends on the instant only.
    return next(_sends(rule, after, tz, calendar, progress), None)


def upcoming(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    count: int,
    calendar: HolidayCalendar = NO_HOLIDAYS,
    progress: Progress = NO_PROGRESS,
) -> list[datetime]:
    """The next ``count`` send times after ``after`` (fewer when the rule runs out)."""
    return list(islice(_sends(rule, after, tz, calendar, progress), count))


def is_finished(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    calendar: HolidayCalendar = NO_HOLIDAYS,
    progress: Progress = NO_PROGRESS,
) -> bool:
    """True when no send is left after ``after`` (the schedule is then 'completed')."""
    return next_occurrence(rule, after, tz, calendar, progress) is None


def plan(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    count: int,
    calendar: HolidayCalendar = NO_HOLIDAYS,
    progress: Progress = NO_PROGRESS,
) -> list[Planned]:
    """The next ``count`` send times with, in time order, the times not sent among them: each
    dropped for a holiday or skipped once, and the first ``count`` a pause holds back. A send
    moved for a holiday carries its own time in ``moved_from``."""
    result: list[Planned] = []
    sent = 0
    for planned in chain(
        _paused(rule, after, tz, calendar, progress, count),
        (p for p in _planned(rule, after, tz, calendar, progress) if p.reason != "pause"),
    ):
        if sent == count:
            break
        sent += planned.sent
        result.append(planned)
    return result


def _paused(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    calendar: HolidayCalendar,
    progress: Progress,
    count: int,
) -> Iterator[Planned]:
    """The first ``count`` times a pause holds back (``_planned`` jumps over the pause)."""
    paused = progress.paused_until
    if paused is None:
        return iter(())
    times = _planned(rule, after, tz, calendar, progress, jump=False)
    return islice(takewhile(lambda p: p.at.replace(tzinfo=None).date() <= paused, times), count)


def _sends(
    rule: Rule, after: datetime, tz: ZoneInfo, calendar: HolidayCalendar, progress: Progress
) -> Iterator[datetime]:
    return (p.at for p in _planned(rule, after, tz, calendar, progress) if p.sent)


def _planned(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    calendar: HolidayCalendar,
    progress: Progress,
    jump: bool = True,
) -> Iterator[Planned]:
    """Every planned time after ``after``, sends and the times not sent, in time order."""
    _check_aware(after)
    left = progress.sends_left
    if left is not None and left <= 0:
        return
    # Compare instants in UTC: datetimes sharing one tzinfo compare by wall time, ignoring fold.
    after_utc = after.astimezone(UTC)
    start = after.astimezone(tz).replace(tzinfo=None)
    paused = progress.paused_until
    if paused is not None and jump:
        start = max(start, datetime.combine(paused, time.max))
    last_sent: datetime | None = None
    for slot in slots(rule, start, tz, calendar):
        if slot.key <= after_utc:
            continue
        planned = _filtered(slot, progress)
        if planned.sent:
            if slot.key == last_sent:
                continue  # two times landing on one instant send once
            last_sent = slot.key
        yield planned
        if planned.sent and left is not None:
            left -= 1
            if left == 0:
                return


def _filtered(slot: Slot, progress: Progress) -> Planned:
    planned = slot.planned
    if not planned.sent:
        return planned
    reading = slot.reading
    if progress.paused_until is not None and reading.date() <= progress.paused_until:
        return Planned(planned.at, sent=False, holiday=planned.holiday, reason="pause")
    if progress.skip_at is not None and progress.skip_at == reading:
        return Planned(planned.at, sent=False, holiday=planned.holiday, reason="skip")
    return planned


def _check_aware(after: datetime) -> None:
    if after.utcoffset() is None:
        raise ValueError(f"after must be timezone-aware: {after!r}")
