"""A schedule's rule beyond the seed (``kbot_schedule_rules``) as the services write it: the
form's 매월/일/시간/횟수/공휴일 merged onto the row there was, the nearest seed form for
``kb_schedule`` (a monthly rule is daily there, its first time in ``schedule_time``), and
the checks across those fields. Pure: ``storage.schedule_rules`` does the writing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time

from scheduler.rules import MonthDay, RuleError
from scheduler.schedule_rule import MAX_TIMES, ExtraColumns
from services.errors import Invalid
from services.schedule_form import CONFIG_POLICY, NO_LIMIT, ScheduleForm


@dataclass(frozen=True, slots=True)
class RuleValues:
    """The ``kbot_schedule_rules`` columns (an ``ExtraColumns``), before they are written."""

    kind: str | None = None
    month_day: int | None = None
    month_last: bool = False
    month_nth: int | None = None
    month_weekday: str | None = None
    times: str | None = None
    holiday_policy: str | None = None
    max_sends: int | None = None
    sends_done: int = 0
    skip_at: datetime | None = None
    paused_until: date | None = None

    def plain(self) -> bool:
        """Nothing beyond the seed: no rules row is kept."""
        return replace(self, sends_done=0) == PLAIN

    def columns(self) -> dict[str, object]:
        return asdict(self)

    @property
    def monthly(self) -> MonthDay | None:
        """The monthly day (None: not monthly, or its columns do not make one)."""
        if self.kind != "monthly":
            return None
        try:
            return MonthDay(
                day=self.month_day,
                last=self.month_last,
                nth=self.month_nth,
                weekday=self.month_weekday,
            )
        except RuleError:
            return None


PLAIN = RuleValues()


def values_of(extra: ExtraColumns | None) -> RuleValues:
    """The stored row as ``RuleValues`` (``PLAIN`` when there is none)."""
    if extra is None:
        return PLAIN
    return RuleValues(
        kind=extra.kind,
        month_day=extra.month_day,
        month_last=bool(extra.month_last),
        month_nth=extra.month_nth,
        month_weekday=extra.month_weekday,
        times=extra.times,
        holiday_policy=extra.holiday_policy,
        max_sends=extra.max_sends,
        sends_done=extra.sends_done or 0,
        skip_at=extra.skip_at,
        paused_until=extra.paused_until,
    )


def seed_type(form: ScheduleForm) -> ScheduleForm:
    """``form`` with the type ``kb_schedule`` can hold: a monthly rule is daily there."""
    if form.schedule_type == "monthly":
        return replace(form, schedule_type="daily")
    return form


def merged(before: RuleValues, form: ScheduleForm) -> RuleValues:
    """The rules row after ``form`` (an edit changes only what it gives) was applied to
    ``before``; raises ``Invalid`` for fields that do not fit together."""
    values = before
    if form.schedule_type is not None:
        kind = "monthly" if form.schedule_type == "monthly" else None
        if kind is None:
            values = _with_month(values, None)
        values = replace(values, kind=kind)
    if form.month_day is not None:
        if values.kind != "monthly":
            raise Invalid("month_day", "일은 유형이 매월일 때만 적습니다 (유형: 매월).")
        values = _with_month(values, form.month_day)
    if values.kind == "monthly" and values.monthly is None:
        raise Invalid(
            "month_day",
            "매월 발송은 보낼 날(일)이 필요합니다. 15, 말일, 둘째 주 화요일처럼 적어 주세요.",
        )
    if form.schedule_time is not None or form.times is not None:
        values = replace(values, times=times_column(form.times or ()))
    if form.holiday_policy is not None:
        policy = None if form.holiday_policy == CONFIG_POLICY else form.holiday_policy
        values = replace(values, holiday_policy=policy)
    if form.max_sends is not None:
        limit = None if form.max_sends == NO_LIMIT else form.max_sends
        if limit != values.max_sends:  # a new count starts from zero; the same one goes on
            values = replace(values, max_sends=limit, sends_done=0)
    return values


def audit_columns(values: RuleValues) -> dict[str, object]:
    """The rules row for an audit entry (JSON-safe), under ``rules``; None when plain."""
    if values.plain():
        return {"rules": None}
    columns = values.columns()
    for key in ("skip_at", "paused_until"):
        moment = columns[key]
        columns[key] = moment.isoformat() if isinstance(moment, date) else None
    return {"rules": columns}


def times_column(times: tuple[time, ...]) -> str | None:
    """``kbot_schedule_rules.times`` for the form's times: None for one time (the seed's
    ``schedule_time`` holds it)."""
    if len(times) > MAX_TIMES:
        raise Invalid("schedule_time", f"시간은 하루 {MAX_TIMES}개까지 적을 수 있습니다.")
    distinct = sorted(set(times))
    if len(distinct) < 2:
        return None
    return ",".join(t.strftime("%H:%M:%S" if t.second else "%H:%M") for t in distinct)


def notes(values: RuleValues) -> list[str]:
    """What a reply should add about the rule (a day some months do not have)."""
    if values.kind == "monthly" and values.month_day is not None and values.month_day > 28:
        return [f"{values.month_day}일이 없는 달은 말일에 보냅니다."]
    return []


def _with_month(values: RuleValues, month_day: MonthDay | None) -> RuleValues:
    """``values`` with the monthly day columns of ``month_day`` (None clears them)."""
    return replace(
        values,
        month_day=month_day.day if month_day else None,
        month_last=month_day.last if month_day else False,
        month_nth=month_day.nth if month_day else None,
        month_weekday=month_day.weekday if month_day else None,
    )
