"""Campaigns: one message to many rooms, one ``kb_schedule`` row per room (so the PHP site,
the logs and the room limits see each room) tied together by ``kbot_schedule_meta.campaign_id``
and a ``kbot_campaigns`` row.

A campaign is created in one transaction: every room is resolved and permission-checked first
(``services.target_rooms``: all or none), the text is checked as a template for every room
(``services.message_text``), then the rows are written in bulk. ``분산:`` spreads the rows'
times evenly over a window after the set time, in the rooms' stable order (by name, then
chat id), so hundreds of rooms do not reach one device in the same second.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_local_naive, to_utc_naive
from services import campaign_rows
from services import schedule_checks as checks
from services import schedule_queries as queries
from services.campaign_edits import edit_in
from services.campaign_rows import (
    CampaignDeleted,
    CampaignNotFound,
    CampaignSaved,
    CampaignToggled,
    CampaignView,
    campaign_label,
    load,
    row_of_room,
    spread_times,
)
from services.campaign_writes import insert_rows, new_row, write_rules
from services.errors import Conflict
from services.logs import LogFilter, list_logs
from services.message_text import check_text, resolve_template
from services.permissions import Operation, Standing, standing_of, visible
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.schedule_pauses import SchedulePauses
from services.schedule_values import NO_ROOM
from services.target_rooms import Place, resolve
from storage import audit
from storage import schedule_rules as rule_rows
from storage.archive import archive_schedules
from storage.kbot_models import Admin, AuditEntry, Campaign, Org, Room, ScheduleMeta
from storage.models import Schedule, ScheduleLog

__all__ = [
    "CampaignDeleted",
    "CampaignNotFound",
    "CampaignSaved",
    "CampaignService",
    "CampaignToggled",
    "CampaignView",
    "campaign_label",
    "spread_times",
]


class _Rehearsed(Exception):
    """An edit that deletes rows, checked and rolled back so that their send log can be
    archived before it is done for real."""

    def __init__(self, removed_ids: set[int]) -> None:
        super().__init__(removed_ids)
        self.removed_ids = removed_ids


class CampaignService:
    """Campaign operations; built by ``ScheduleService`` on its own dependencies (it is
    ``ScheduleService.campaigns``)."""

    def __init__(self, deps: ScheduleDeps) -> None:
        self._d = deps
        self._pauses = SchedulePauses(deps)

    async def create(
        self,
        form: ScheduleForm,
        actor: Admin,
        *,
        current_room_id: str,
        standing: Standing | None = None,
    ) -> CampaignSaved:
        """A campaign over ``form.room`` (several rooms and/or an org): all rows or none."""
        checks.check_required(form)
        targets = form.room
        assert targets is not None
        d = self._d
        now = d.clock.now()
        now_local = to_local_naive(now, d.tz)
        async with d.sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            form = await resolve_template(s, form, actor, prefix=d.prefix)
            places = await resolve(s, standing, targets, Operation.CREATE)
            org = await s.get(Org, actor.org_id)
            assert org is not None  # kbot_admins.org_id is a foreign key
            check_text(form.message_text, _scenes(places), d.limits)
            images = None
            if form.image_ids is not None:
                images = await checks.images_json(s, form.image_ids, visible(standing), d.limits)
            test_room = None
            if form.test_room is not None and form.test_room != NO_ROOM:
                test_room = await queries.test_room(s, standing, form.test_room, prefix=d.prefix)
            target_org = None
            if targets.org is not None:
                target_org = await _org_id(s, targets.org)
            assert form.schedule_time is not None  # check_required
            spread_s = form.spread_s or 0
            times = spread_times(form.schedule_time, spread_s, len(places))
            made = [
                new_row(d, form, org, actor, place, at, images, now_local)
                for place, at in zip(places, times, strict=True)
            ]
            rows = [row for row, _ in made]
            campaign = Campaign(
                title=rows[0].title,  # as the rows have it: cleaned
                owner_org_id=org.id,
                creator_admin_id=actor.id,
                target_org_id=target_org,
                spread_s=spread_s,
                base_time=form.schedule_time,
                created_at=to_utc_naive(now).replace(microsecond=0),
            )
            s.add(campaign)
            await s.flush()
            # in bulk (a statement per table, not per row): hundreds of rooms in well under 2 s
            await insert_rows(s, rows)
            await write_rules(d, s, made)
            meta = {
                "creator_admin_id": actor.id,
                "notify_room_id": current_room_id,
                "test_room_id": test_room.chat_id if test_room else None,
                "campaign_id": campaign.id,
                "notify": form.notify,
            }
            await s.execute(insert(ScheduleMeta), [{"schedule_id": row.id, **meta} for row in rows])
            entries = [d.audit_values(actor, "create", r.id, None, audit.snapshot(r)) for r in rows]
            await s.execute(insert(AuditEntry), entries)
        d.scheduler.wake()
        return CampaignSaved(campaign, rows, places)

    async def edit(
        self,
        campaign_id: int,
        form: ScheduleForm,
        actor: Admin,
        *,
        current_room_id: str,
        standing: Standing | None = None,
    ) -> CampaignSaved:
        """The given fields on every row, in one transaction; ``방:`` refreshes the room set
        (``added``/``removed`` say what changed). When rows are to go, the edit is first
        checked and rolled back, their send log archived, then the edit done for real."""
        d = self._d
        try:
            async with d.sessions.begin() as s:
                standing = await standing_of(s, actor, standing)
                edited = await edit_in(d, s, campaign_id, form, actor, standing, current_room_id)
                if edited.removed_ids:
                    raise _Rehearsed(edited.removed_ids)  # rolls the edit back
        except _Rehearsed as rehearsed:
            await self._archive(rehearsed.removed_ids)
            async with d.sessions.begin() as s:
                standing = await standing_of(s, actor, standing)
                edited = await edit_in(d, s, campaign_id, form, actor, standing, current_room_id)
                if not edited.removed_ids <= rehearsed.removed_ids:
                    raise Conflict(
                        "room", "그 사이에 캠페인의 방이 바뀌었습니다. 다시 시도해 주세요."
                    ) from None
        d.scheduler.wake()
        return edited.saved

    async def toggle(
        self, campaign_id: int, actor: Admin, *, on: bool, standing: Standing | None = None
    ) -> CampaignToggled:
        """Every row on (active, next send computed again; a row whose room is gone or
        inactive is skipped) or off (inactive, no next send), in one transaction."""
        d = self._d
        async with d.sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            view = await load(s, campaign_id, standing, Operation.TOGGLE)
            changed = skipped = 0
            updated_at = d.now_local().replace(microsecond=0)
            extras = await rule_rows.load(s, [row.id for row, _ in view.rows]) if on else {}
            for row, room in view.rows:
                if row.status == ("active" if on else "inactive"):
                    resumed = on and await self._pauses.resume(s, row, extras.get(row.id), actor)
                    if resumed:  # 켜기 ends a pause early, as on a single schedule
                        row.next_send_at = d.next_send(row, resumed)
                        changed += 1
                    continue
                if on and (room is None or not room.active):
                    skipped += 1
                    continue
                before = audit.snapshot(row)
                row.status = "active" if on else "inactive"
                row.next_send_at = d.next_send(row, extras.get(row.id)) if on else None
                row.updated_at = updated_at
                d.audit(s, actor, "on" if on else "off", row.id, before, audit.snapshot(row))
                changed += 1
        d.scheduler.wake()
        return CampaignToggled(view.campaign, changed, len(view.rows), skipped)

    async def delete(
        self, campaign_id: int, actor: Admin, *, standing: Standing | None = None
    ) -> CampaignDeleted:
        """Every row deleted after its send log is written to the archive, then the
        campaign."""
        d = self._d
        async with d.read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            view = await load(s, campaign_id, standing, Operation.DELETE)
        archived = {row.id for row, _ in view.rows}
        logs, files = await self._archive(archived)
        async with d.sessions.begin() as s:
            view = await load(s, campaign_id, standing, Operation.DELETE)
            if not {row.id for row, _ in view.rows} <= archived:
                raise Conflict("id", "그 사이에 캠페인에 방이 더해졌습니다. 다시 시도해 주세요.")
            for row, _ in view.rows:
                d.audit(s, actor, "delete", row.id, audit.snapshot(row), None)
                await s.delete(row)
            campaign = view.campaign
            d.audit(
                s, actor, "delete", campaign.id, audit.snapshot(campaign), None, entity="campaign"
            )
            await s.flush()
            await s.delete(campaign)
        d.scheduler.wake()
        return CampaignDeleted(campaign, len(view.rows), logs, files)

    async def logs(
        self, campaign_id: int, actor: Admin, limit: int = 10, *, standing: Standing | None = None
    ) -> list[tuple[ScheduleLog, str, Room | None]]:
        """The newest log rows of all the campaign's rows, with the kind of each send and the
        room it went to (None: not registered)."""
        async with self._d.read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            view = await load(s, campaign_id, standing, Operation.LOGS)
            where = LogFilter(schedule_ids=tuple(row.id for row, _ in view.rows))
            found = await list_logs(s, visible(standing), where, offset=0, limit=limit)
            rooms = {room.chat_id: room for _, room in view.rows if room is not None}
            others = {row.log.target_room_id for row in found} - rooms.keys()
            if others:
                query = select(Room).where(Room.chat_id.in_(others))
                rooms.update((room.chat_id, room) for room in await s.scalars(query))
            return [(row.log, row.kind, rooms.get(row.log.target_room_id)) for row in found]

    async def get(
        self,
        campaign_id: int,
        actor: Admin,
        operation: Operation = Operation.VIEW,
        *,
        standing: Standing | None = None,
    ) -> CampaignView:
        """The campaign and its rows in spread order, when ``actor`` may do ``operation`` to
        every row; else ``CampaignNotFound``."""
        async with self._d.read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            return await load(s, campaign_id, standing, operation)

    async def row_for_room(
        self,
        campaign_id: int,
        actor: Admin,
        room_ref: str | None,
        *,
        standing: Standing | None = None,
    ) -> tuple[Schedule, Room | None]:
        """The campaign's row of the room ``room_ref`` names (chat id or name; None: the first
        row in spread order); ``Invalid`` on ``room`` when the campaign has no such room."""
        return row_of_room(await self.get(campaign_id, actor, standing=standing), room_ref)

    async def _archive(self, schedule_ids: set[int]) -> tuple[int, list[str]]:
        """The send logs of ``schedule_ids`` written to the archive (before their rows are
        deleted): how many log rows, and the files' names."""
        engine = self._d.sessions.kw["bind"]
        done = await archive_schedules(engine, list(schedule_ids), directory=self._d.archive_dir)
        return sum(month.rows for month in done), [month.path.name for month in done]

    async def campaign_ids(self, schedule_ids: Collection[int]) -> dict[int, int]:
        """Schedule id -> campaign id for those of ``schedule_ids`` that belong to one."""
        async with self._d.read_sessions() as s:
            return await campaign_rows.campaign_ids(s, schedule_ids)


def _scenes(places: Sequence[Place]) -> list[tuple[str, str]]:
    return [(place.org_name, place.room.name) for place in places]


async def _org_id(session: AsyncSession, code: str) -> int | None:
    return await session.scalar(select(Org.id).where(Org.code == code))
