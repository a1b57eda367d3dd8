"""The pure arithmetic of reports (``services.reports``): lateness, on-time rate, nearest-rank
percentiles, room-activity lift and the tally of a group of send-log rows. Nothing here reads
the database; every input is a plain value already checked by the caller."""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from storage.send_record import confirmation_of

ON_TIME_S = 60  # a send is on time when it started within this many seconds of its time
ACTIVITY_HOURS = 2  # the hour of the send and the next one
BASELINE_WEEKS = 4  # the same weekday and hours of the previous 4 weeks
SKIPPED_PREFIX = "skipped: "  # scheduler.logbook: a missed occurrence
SENT_STATUSES = ("success", "partial")


def is_missed(error_message: str | None) -> bool:
    return isinstance(error_message, str) and error_message.startswith(SKIPPED_PREFIX)


def confirmation_text(raw: str | None) -> str:
    """``storage.send_record.confirmation_of`` of a stored ``api_response`` read as text (a
    NULL, a non-object or text that is not JSON at all is ``"unknown"``)."""
    if not raw or "confirmation" not in raw:
        return "unknown"
    try:
        return confirmation_of(json.loads(raw))
    except ValueError:
        return "unknown"


def lateness_s(scheduled_at: datetime, started_at: datetime) -> int:
    """Seconds from the scheduled time to the start of the send, floored at 0 (a row written
    with a start before its time, by another writer or a clock step, is on time)."""
    return max(0, int((started_at - scheduled_at).total_seconds()))


def percentile(values: Sequence[int], share: float) -> int | None:
    """The nearest-rank percentile (``share`` in (0, 1]) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def hour_of(sent_utc: datetime) -> datetime:
    """The start of the UTC hour containing a send (naive UTC)."""
    return sent_utc.replace(minute=0, second=0, microsecond=0)


@functools.lru_cache(maxsize=4096)
def hour_plan(hour: datetime) -> tuple[tuple[datetime, ...], tuple[tuple[datetime, ...], ...]]:
    """For a send in ``hour``: the hours counted "after" it, and per earlier week (1..4) the
    same hours that week (many sends share an hour: computed once)."""
    after = tuple(hour + timedelta(hours=n) for n in range(ACTIVITY_HOURS))
    weeks = tuple(
        tuple(h - timedelta(weeks=w) for h in after) for w in range(1, BASELINE_WEEKS + 1)
    )
    return after, weeks


def activity_of(
    hour: datetime, counts: dict[datetime, int], first_hour: datetime | None
) -> tuple[int, float] | None:
    """(messages after, baseline) for a send in ``hour`` (``hour_of``) in a room whose hourly
    counts are ``counts`` and whose first counted hour is ``first_hour``. A week before the
    room's first counted hour is left out of the mean (kbot did not count yet), a counted
    week without a row is 0; None when no week can be compared (the room was not counted
    before the send)."""
    if first_hour is None:
        return None
    after, weeks = hour_plan(hour)
    get = counts.get
    compared = before = 0
    for week in weeks:  # one loop, no generators: this runs for every sent row of a report
        if week[0] >= first_hour:
            compared += 1
            for h in week:
                before += get(h, 0)
    if not compared:
        return None
    return sum([get(h, 0) for h in after]), before / compared


class RowFact(NamedTuple):
    """What a report needs of one log row, computed once (a named tuple: one is made per row,
    several times faster than a frozen dataclass)."""

    log_id: int
    schedule_id: int
    room_id: str
    status: str
    missed: bool
    confirmation: str  # of storage.send_record.CONFIRMATIONS or "unknown"
    lateness_s: int | None  # None: not sent (failed or missed)
    replies: int = 0
    clicks: int = 0
    activity: tuple[int, float] | None = None  # (after, baseline); None: not compared

    @property
    def sent(self) -> bool:
        return self.lateness_s is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Numbers:
    """The numbers of a group of rows (a schedule, a campaign, a campaign's room)."""

    sends: int
    success: int
    failed: int
    missed: int
    confirmed: int
    unconfirmed: int
    pending: int
    on_time_rate: float | None
    lateness_p50_s: int | None
    lateness_p95_s: int | None
    replies: int
    clicks: int
    activity_after: int | None
    activity_baseline: float | None

    @property
    def activity_lift(self) -> float | None:
        """after - baseline (None when not compared)."""
        if self.activity_after is None or self.activity_baseline is None:
            return None
        return round(self.activity_after - self.activity_baseline, 2)

    @property
    def activity_ratio(self) -> float | None:
        """after / baseline, only when the baseline is above 0."""
        if self.activity_after is None or not self.activity_baseline:
            return None
        return round(self.activity_after / self.activity_baseline, 2)


def tally(facts: Iterable[RowFact]) -> dict[str, Any]:
    """The keyword arguments of ``Numbers`` for ``facts`` (in one pass: a report tallies every
    row three times, for its schedule, its campaign and its campaign's room)."""
    missed = success = replies = clicks = after = 0
    late: list[int] = []
    baselines: list[float] = []  # summed in row order, as ever
    confirmations: dict[str, int] = defaultdict(int)
    for f in facts:
        if f.missed:
            missed += 1
            continue
        success += f.status == "success"
        confirmations[f.confirmation] += 1
        if f.lateness_s is not None:
            late.append(f.lateness_s)
        replies += f.replies
        clicks += f.clicks
        if f.activity is not None:
            after += f.activity[0]
            baselines.append(f.activity[1])
    sends = sum(confirmations.values())
    return {
        "sends": sends,
        "success": success,
        "failed": sends - success,
        "missed": missed,
        "confirmed": confirmations["confirmed"],
        "unconfirmed": confirmations["unconfirmed"],
        "pending": confirmations["pending"],
        "on_time_rate": round(sum(1 for s in late if s <= ON_TIME_S) / len(late), 4)
        if late
        else None,
        "lateness_p50_s": percentile(late, 0.5),
        "lateness_p95_s": percentile(late, 0.95),
        "replies": replies,
        "clicks": clicks,
        "activity_after": after if baselines else None,
        "activity_baseline": round(sum(baselines), 2) if baselines else None,
    }
