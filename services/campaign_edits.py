"""Editing a campaign inside one transaction: the given fields applied to every row; with
``방:`` the room set resolved again (rows added for new rooms, copying the campaign's current
content; rows of rooms no longer named deleted); the rows' times spread again when the time,
the spread or the set changed. The caller archives the send log of the rows to delete before
(``services.campaigns``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import schedule_checks as checks
from services import schedule_queries as queries
from services.campaign_rows import CampaignSaved, Row, load, spread_key, spread_times
from services.campaign_writes import at_time, write_rules
from services.message_text import check_text, resolve_template
from services.permissions import Operation, Standing, visible
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.schedule_rules import RuleValues, merged, seed_type, values_of
from services.schedule_values import NO_ROOM
from services.target_rooms import Place, resolve
from storage import audit
from storage import schedule_rules as rule_rows
from storage.kbot_models import Admin, Org, Room, ScheduleMeta
from storage.models import Schedule

# what a row added to a campaign copies from the campaign's current rows
COPIED = (
    "title",
    "description",
    "created_by_type",
    "created_by_id",
    "created_by_mb_id",
    "message_text",
    "message_images",
    "send_order",
    "send_interval_seconds",
    "schedule_type",
    "schedule_date",
    "schedule_weekdays",
    "schedule_time",
    "valid_from",
    "valid_until",
    "status",
)


@dataclass(frozen=True, slots=True)
class Edited:
    saved: CampaignSaved
    removed_ids: set[int]  # the rows deleted (their logs must have been archived)


async def edit_in(
    d: ScheduleDeps,
    s: AsyncSession,
    campaign_id: int,
    form: ScheduleForm,
    actor: Admin,
    standing: Standing,
    current_room_id: str,
) -> Edited:
    """The edit, in ``s`` (its caller's transaction); ``ServiceError`` leaves it to roll back."""
    view = await load(s, campaign_id, standing, Operation.EDIT)
    form = await resolve_template(s, form, actor)
    campaign = view.campaign
    now_local = d.now_local()
    rows: list[Row] = list(view.rows)
    gone: list[Row] = []
    new: list[Schedule] = []
    places: dict[str, Place] = {}
    if form.room is not None:
        resolved = await resolve(s, standing, form.room, Operation.EDIT)
        places = {place.room.chat_id: place for place in resolved}
        gone = [(row, room) for row, room in rows if row.target_room_id not in places]
        rows = [(row, room) for row, room in rows if row.target_room_id in places]
        have = {row.target_room_id for row, _ in rows}
        source = rows[0][0] if rows else view.rows[0][0]
        for place in resolved:
            if place.room.chat_id not in have:
                row = _copy(source, place.room, now_local)
                new.append(row)
                rows.append((row, place.room))
        campaign.target_org_id = (
            await s.scalar(select(Org.id).where(Org.code == form.room.org))
            if form.room.org is not None
            else None
        )
    rows.sort(key=lambda pair: spread_key(*pair))
    before = {row.id: audit.snapshot(row) for row, _ in rows if row.id is not None}
    images = None
    if form.image_ids is not None:
        images = await checks.images_json(s, form.image_ids, visible(standing), d.limits)
    times: list[time | None] = [None] * len(rows)
    if form.schedule_time is not None or form.spread_s is not None or gone or new:
        base = form.schedule_time or campaign.base_time or rows[0][0].schedule_time
        spread_s = campaign.spread_s if form.spread_s is None else form.spread_s
        times = list(spread_times(base, spread_s, len(rows)))
        campaign.base_time, campaign.spread_s = base, spread_s
    stored = await rule_rows.load(s, [row.id for row, _ in view.rows])
    source_rules = values_of(stored.get(view.rows[0][0].id))
    values: list[RuleValues] = []
    for (row, _), at in zip(rows, times, strict=True):
        # the row's own (spread) time, so a once row's window ends at it
        row_form = form if at is None else at_time(form, at)
        kept = values_of(stored[row.id]) if row.id in stored else source_rules
        values.append(merged(kept if row.id is not None else source_rules, row_form))
        checks.apply(row, seed_type(row_form), now_local=now_local)
        if form.status is None and row.status == "completed":
            row.status = "active"  # a finished campaign given a new time runs again
        if form.image_ids is not None:
            row.message_images = images
        if form.room is not None and form.room_type is None and row.target_room_id in places:
            row.target_room_type = places[row.target_room_id].room.room_type
    if form.title is not None:
        campaign.title = rows[0][0].title
    if form.message_text is not None or new:
        await _check_texts(d, s, rows)
    for (row, _), row_values in zip(rows, values, strict=True):
        checks.check_row(row, now_local=now_local, limits=d.limits)
        next_send = d.next_send(row, row_values)  # also checks that a send is left
        row.next_send_at = next_send if row.status == "active" else None
    test_room = await _test_room(d, s, form, standing)
    await _write(d, s, actor, campaign.id, rows, new, gone, before, current_room_id, test_room)
    await _set_notify(s, campaign.id, form.notify)
    await rule_rows.remove(s, [row.id for row, _ in view.rows])
    await write_rules(d, s, [(row, v) for (row, _), v in zip(rows, values, strict=True)])
    saved = CampaignSaved(
        campaign,
        [row for row, _ in rows],
        await _places(s, rows),
        added=[room.name for row, room in rows if row in new and room is not None],
        removed=[room.name if room else row.target_room_id for row, room in gone],
    )
    return Edited(saved, {row.id for row, _ in gone})


def _copy(source: Schedule, room: Room, now_local: datetime) -> Schedule:
    row = Schedule(
        target_room_id=room.chat_id,
        target_room_type=room.room_type,
        send_count=0,
        last_sent_at=None,
        **{column: getattr(source, column) for column in COPIED},
    )
    row.updated_at = row.created_at = now_local.replace(microsecond=0)
    return row


async def _test_room(
    d: ScheduleDeps, s: AsyncSession, form: ScheduleForm, standing: Standing
) -> str | None:
    """The test room's chat id the form sets (``NO_ROOM`` removes it), None: left alone."""
    if form.test_room is None or form.test_room == NO_ROOM:
        return form.test_room
    return (await queries.test_room(s, standing, form.test_room, prefix=d.prefix)).chat_id


async def _set_notify(s: AsyncSession, campaign_id: int, notify: str | None) -> None:
    """``알림`` given: on every row of the campaign (new rows take it from the others)."""
    if notify is not None:
        rows = update(ScheduleMeta).where(ScheduleMeta.campaign_id == campaign_id)
        await s.execute(rows.values(notify=notify))


async def _write(
    d: ScheduleDeps,
    s: AsyncSession,
    actor: Admin,
    campaign_id: int,
    rows: Sequence[Row],
    new: Sequence[Schedule],
    gone: Sequence[Row],
    before: dict[int, dict[str, object]],
    current_room_id: str,
    test_room: str | None,
) -> None:
    """Rows added, changed and deleted, with one audit entry each."""
    updated_at = d.now_local().replace(microsecond=0)
    for row, _ in gone:
        d.audit(s, actor, "delete", row.id, audit.snapshot(row), None)
        await s.delete(row)
    s.add_all(new)
    await s.flush()
    metas = await s.scalars(select(ScheduleMeta).where(ScheduleMeta.campaign_id == campaign_id))
    notify = {meta.schedule_id: meta for meta in metas}
    source = next(iter(notify.values()), None)
    for row in new:
        s.add(
            ScheduleMeta(
                schedule_id=row.id,
                creator_admin_id=actor.id,
                notify_room_id=source.notify_room_id if source else current_room_id,
                test_room_id=(test_room or None)
                if test_room is not None
                else (source.test_room_id if source else None),
                campaign_id=campaign_id,
                notify=source.notify if source else None,
            )
        )
        d.audit(s, actor, "create", row.id, None, audit.snapshot(row))
    if test_room is not None:
        for meta in notify.values():
            meta.test_room_id = test_room or None
    for row, _ in rows:
        if row.id not in before:
            continue
        after = audit.snapshot(row)
        if after != before[row.id]:
            row.updated_at = updated_at
            d.audit(s, actor, "edit", row.id, before[row.id], audit.snapshot(row))


async def _check_texts(d: ScheduleDeps, s: AsyncSession, rows: Sequence[Row]) -> None:
    """Each row's text as a template, rendered for its room."""
    names = await _org_names(s, {room.org_id for _, room in rows if room is not None})
    for row, room in rows:
        scenes = [] if room is None else [(names.get(room.org_id, ""), room.name)]
        check_text(row.message_text, scenes, d.limits)


async def _places(s: AsyncSession, rows: Sequence[Row]) -> list[Place]:
    names = await _org_names(s, {room.org_id for _, room in rows if room is not None})
    return [Place(room, names.get(room.org_id, "")) for _, room in rows if room is not None]


async def _org_names(s: AsyncSession, org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    found = await s.execute(select(Org.id, Org.name).where(Org.id.in_(org_ids)))
    return {int(org_id): str(name) for org_id, name in found.all()}
