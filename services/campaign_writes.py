"""Writing a new campaign's rows: each built and validated like a single schedule's, then all
inserted in one statement (a campaign may have thousands)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.schedule_rule import fingerprint
from services import schedule_checks as checks
from services import schedule_rules as rules
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.target_rooms import Place
from storage import schedule_rules as rule_rows
from storage.kbot_models import Admin, Org
from storage.models import Schedule


def new_row(
    d: ScheduleDeps,
    form: ScheduleForm,
    org: Org,
    actor: Admin,
    place: Place,
    at: time,
    images: dict[str, object] | None,
    now_local: datetime,
) -> tuple[Schedule, rules.RuleValues]:
    """A new, validated row of a campaign for ``place``, sent at ``at``, with its rules."""
    row = Schedule(
        created_by_type=org.type,
        created_by_id=org.code,
        created_by_mb_id=(actor.mb_id or actor.kakao_user_id)[:50],
        target_room_id=place.room.chat_id,
        target_room_type=place.room.room_type,
        send_order="text_first",
        send_interval_seconds=1,
        status="active",
        send_count=0,
        last_sent_at=None,
    )
    # the row's own (spread) time, so a once row's window ends at it
    form = at_time(form, at)
    values = rules.merged(rules.PLAIN, form)
    checks.apply(row, rules.seed_type(form), now_local=now_local)
    row.updated_at = now_local.replace(microsecond=0)
    row.created_at = row.updated_at
    row.message_images = images
    checks.check_row(row, now_local=now_local, limits=d.limits)
    next_send = d.next_send(row, values)
    row.next_send_at = next_send if row.status == "active" else None
    return row, values


def at_time(form: ScheduleForm, at: time) -> ScheduleForm:
    """``form`` for a row whose (spread) first time is ``at``: its other times keep their
    distance from the first."""
    if not form.times:
        return replace(form, schedule_time=at)
    shift = _seconds(at) - _seconds(form.times[0])
    times = tuple(sorted(_time((_seconds(t) + shift) % 86400) for t in form.times))
    return replace(form, schedule_time=times[0], times=times)


async def write_rules(
    d: ScheduleDeps, s: AsyncSession, rows: list[tuple[Schedule, rules.RuleValues]]
) -> None:
    """The rules rows of new campaign rows (those beyond the seed), in one statement."""
    kept = [
        (row.id, values.columns(), fingerprint(row)) for row, values in rows if not values.plain()
    ]
    await rule_rows.save_many(s, kept, now_local=d.now_local())


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _time(seconds: int) -> time:
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


async def insert_rows(s: AsyncSession, rows: list[Schedule]) -> None:
    """``rows`` (new, not in the session) inserted in one statement; each gets its id."""
    columns = [column.key for column in Schedule.__table__.columns if column.key != "id"]
    values = [{key: getattr(row, key) for key in columns} for row in rows]
    query = insert(Schedule).returning(Schedule.id, sort_by_parameter_order=True)
    ids = list(await s.scalars(query, values))
    for row, row_id in zip(rows, ids, strict=True):
        row.id = row_id
