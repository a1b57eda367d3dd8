"""A campaign's rows: reading them with the permission rule applied, their stable order, the
times ``분산:`` spreads them over, and what the campaign service answers with.

A campaign's rows are the ``kb_schedule`` rows whose ``kbot_schedule_meta.campaign_id`` is
the campaign's. An actor may handle a campaign only when it may handle every one of its rows
(each row's room's org decides, ``services.permissions``); a campaign with a row out of reach,
or with no rows left, is answered like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Invalid, NotFound, quote
from services.permissions import Operation, Standing, reaches, require_acting, visible
from services.target_rooms import Place
from storage.kbot_models import Campaign, Room, ScheduleMeta
from storage.models import Schedule

DAY_S = 24 * 3600
Row = tuple[Schedule, Room | None]  # a row and its room (None: the room is not registered)


def campaign_label(campaign_id: int) -> str:
    """How people see a campaign id: ``C12`` (a schedule is ``#12``)."""
    return f"C{campaign_id}"


class CampaignNotFound(NotFound):
    """No such campaign, or one the actor may not see: the same answer for both."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(
            "id",
            f"{campaign_label(campaign_id)} 캠페인이 없거나 볼 권한이 없습니다. "
            "목록에서 캠페인 번호(C로 시작)를 확인해 주세요.",
        )
        self.campaign_id = campaign_id


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign and its rows in spread order."""

    campaign: Campaign
    rows: list[Row]


@dataclass(frozen=True, slots=True)
class CampaignSaved:
    """A campaign as a create or an edit left it: its rows in spread order, with the rooms of
    those whose room is registered; on an edit that gave ``방:``, the rooms added and
    removed."""

    campaign: Campaign
    rows: list[Schedule]
    places: list[Place]
    added: list[str] = field(default_factory=list)  # room names
    removed: list[str] = field(default_factory=list)  # room names


@dataclass(frozen=True, slots=True)
class CampaignToggled:
    campaign: Campaign
    changed: int  # rows turned on or off (those already so are left as they are)
    total: int  # rows of the campaign
    skipped: int = 0  # rows not turned on because their room is gone or inactive


@dataclass(frozen=True, slots=True)
class CampaignDeleted:
    campaign: Campaign
    rows: int  # kb_schedule rows deleted
    archived_logs: int  # their log rows written to the archive before the delete
    archive_files: list[str]  # the archive files' names


def spread_key(row: Schedule, room: Room | None) -> tuple[bool, str, str]:
    """The stable order of a campaign's rows, which ``분산:`` spreads: by room name, then chat
    id; rows of unregistered rooms last."""
    return (room is None, room.name if room else "", row.target_room_id)


def spread_times(base: time, spread_s: int, count: int) -> list[time]:
    """``count`` times from ``base`` evenly over ``spread_s`` seconds (the first at ``base``,
    whole seconds); ``Invalid`` on ``spread_s`` when the window would cross midnight."""
    start = base.hour * 3600 + base.minute * 60 + base.second
    if spread_s and start + spread_s >= DAY_S:
        raise Invalid(
            "spread_s",
            "분산 구간이 자정을 넘습니다. 시간을 앞당기거나 분산을 줄여 주세요.",
        )
    step = spread_s / count if count else 0
    return [_time_of(start + int(index * step)) for index in range(count)]


def _time_of(seconds: int) -> time:
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


async def load(
    session: AsyncSession, campaign_id: int, standing: Standing, operation: Operation
) -> CampaignView:
    """The campaign and its rows, once an actor of ``standing`` may do ``operation`` to
    every row; else ``CampaignNotFound`` (``PermissionDenied`` for an actor who may not act
    at all)."""
    require_acting(standing, operation)
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    query = (
        select(Schedule, Room)
        .join(ScheduleMeta, ScheduleMeta.schedule_id == Schedule.id)
        .outerjoin(Room, Room.chat_id == Schedule.target_room_id)
        .where(ScheduleMeta.campaign_id == campaign_id)
    )
    rows: list[Row] = [(row, room) for row, room in (await session.execute(query)).all()]
    org_ids = visible(standing)  # once, not per row
    if not rows or not all(reaches(org_ids, room.org_id if room else None) for _, room in rows):
        raise CampaignNotFound(campaign_id)
    rows.sort(key=lambda pair: spread_key(*pair))
    return CampaignView(campaign, rows)


async def campaign_ids(session: AsyncSession, schedule_ids: Collection[int]) -> dict[int, int]:
    """The campaign of each of ``schedule_ids`` that is one room of a campaign."""
    if not schedule_ids:
        return {}
    query = select(ScheduleMeta.schedule_id, ScheduleMeta.campaign_id).where(
        ScheduleMeta.schedule_id.in_(list(schedule_ids)), ScheduleMeta.campaign_id.is_not(None)
    )
    found = (await session.execute(query)).all()
    return {int(sid): int(cid) for sid, cid in found if cid is not None}


def row_of_room(view: CampaignView, room_ref: str | None) -> Row:
    """The row of the room ``room_ref`` names (its chat id, else its name) in ``view``; the
    first row in spread order when None; ``Invalid`` on ``room`` for a room not in it."""
    if room_ref is None:
        return view.rows[0]
    ref = room_ref.strip()
    for row, room in view.rows:
        if row.target_room_id == ref:
            return row, room
    named = [(row, room) for row, room in view.rows if room is not None and room.name == ref]
    if len(named) == 1:
        return named[0]
    label = campaign_label(view.campaign.id)
    if named:
        raise Invalid(
            "room",
            f"{label} 캠페인에 {quote(ref)} 이름의 방이 여러 개입니다. chat_id로 적어 주세요.",
        )
    raise Invalid(
        "room",
        f"{quote(ref)} 방은 {label} 캠페인의 방이 아닙니다. "
        f"'{label}' 보기에 나오는 방 이름이나 chat_id를 적어 주세요.",
    )
