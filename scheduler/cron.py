"""Cron iteration in local wall-clock time, and the mapping of wall-clock times to instants.

croniter is driven with naive datetimes, which it treats as plain wall-clock readings with no
DST logic at all. Time-zone rules are applied afterwards, in one place (``to_instant``):
croniter's own aware-datetime handling fires a fall-back (fold) time twice, which a schedule
must not do.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter


def wall_times_after(expression: str, start: datetime) -> Iterator[datetime]:
    """Naive wall-clock times matching ``expression``, strictly after the naive ``start``.

    ``expression`` is croniter's six-field form, seconds last. One croniter object serves the
    whole iteration.
    """
    # croniter works in whole seconds; flooring keeps "strictly after" exact for sub-second
    # starts (a match at 09:30:00 is not after 09:30:00.5) and keeps floats out of the maths.
    cron = croniter(expression, start.replace(microsecond=0), ret_type=datetime)
    while True:
        yield cron.get_next(datetime)


def to_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a naive local wall-clock time names in ``tz``, aware in ``tz``.

    In a fall-back fold the wall time happens twice: the first one (``fold=0``) is meant. In a
    spring-forward gap it never happens: the first instant after the gap is meant (02:30 on a
    day the clocks jump from 02:00 to 03:00 gives 03:00).
    """
    aware = wall.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return aware
    return _gap_end(aware, tz)


def _gap_end(aware: datetime, tz: ZoneInfo) -> datetime:
    """The transition instant that ends the gap containing the non-existent ``aware``.

    PEP 495 maps a non-existent time to one instant before the transition (with the offset
    in force after it) and one after (with the offset in force before it); a binary search
    over whole seconds between the two finds the transition, since tz transitions fall on
    whole seconds.
    """
    bounds = sorted(aware.replace(fold=fold).timestamp() for fold in (0, 1))
    before, after = math.floor(bounds[0]), math.ceil(bounds[1])
    offset_after = datetime.fromtimestamp(after, tz).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, tz)
