"""The one permission rule for every path (chat, REST API, web), from the seed's section 4.3.

An admin acts for one org and may do everything to what is owned by an org inside that org's
subtree: headquarters everything; a distributor its own org and the agencies and branches below
it; an agency itself and its branches; a branch its own rooms only. What a schedule belongs to
is its target room's org (``kb_schedule.target_room_id`` -> ``kbot_rooms.org_id``); a schedule
whose room is not registered belongs to nobody below headquarters.

``check`` and ``visible`` are the rule itself, on a ``Standing`` (what the rule needs to know
about the actor); ``authorize`` and ``visible_org_ids`` read the standing first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage import orgs
from storage.kbot_models import Admin


class Operation(StrEnum):
    CREATE = "create"
    LIST = "list"
    VIEW = "view"
    EDIT = "edit"
    DELETE = "delete"
    TOGGLE = "toggle"
    TEST = "test"
    SEND = "send"  # send now to the target room, outside the schedule (logged as manual)
    LOGS = "logs"
    REGISTER_ROOM = "register_room"
    LIST_ADMINS = "list_admins"  # admins and rooms of the actor's subtree
    MANAGE_ADMINS = "manage_admins"  # deactivate / activate admins strictly below
    INVITE_ADMIN = "invite_admin"  # pairing codes for orgs of the actor's subtree
    MANAGE_ROOMS = "manage_rooms"  # deactivate / activate rooms of the subtree


_KOREAN = {
    Operation.CREATE: "등록",
    Operation.LIST: "조회",
    Operation.VIEW: "조회",
    Operation.EDIT: "수정",
    Operation.DELETE: "삭제",
    Operation.TOGGLE: "켜기/끄기",
    Operation.TEST: "테스트 발송",
    Operation.SEND: "지금 발송",
    Operation.LOGS: "로그 조회",
    Operation.REGISTER_ROOM: "방 등록",
    Operation.LIST_ADMINS: "관리자 조회",
    Operation.MANAGE_ADMINS: "관리자 관리",
    Operation.INVITE_ADMIN: "관리자 초대",
    Operation.MANAGE_ROOMS: "방 관리",
}


class PermissionDenied(Exception):
    """The actor may not do this; ``message`` is the Korean reply (it contains "권한")."""

    def __init__(self, operation: Operation, detail: str = "") -> None:
        self.operation = operation
        self.plain = f"{_KOREAN[operation]} 권한이 없습니다." + (f" {detail}" if detail else "")
        self.message = f"⛔ {self.plain}"  # the chat reply
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Standing:
    """What the rule needs to know about an actor, read once: whether it may act at all
    (admin and org both active), whether its org is headquarters, and its org's subtree."""

    acting: bool
    headquarters: bool
    subtree: frozenset[int]  # the actor's org and every org below it; empty when not acting

    @classmethod
    def of(cls, *, admin_active: bool, org_active: bool, org_type: str) -> Standing:
        """The standing before the subtree is known (``with_subtree`` adds it)."""
        acting = admin_active and org_active
        return cls(acting, acting and org_type == "headquarters", frozenset())

    @property
    def needs_subtree(self) -> bool:
        return self.acting and not self.headquarters


def require_acting(standing: Standing, operation: Operation) -> None:
    """An inactive admin or an admin of an inactive org may do nothing."""
    if not standing.acting:
        raise PermissionDenied(operation, "관리자 계정이나 소속 조직이 비활성 상태입니다.")


def allows(standing: Standing, room_org_id: int | None) -> bool:
    """Whether an acting actor may see and handle what ``room_org_id`` owns (None: an
    unregistered room, headquarters only). Whoever may not is answered as if it did not
    exist, so that ids of other orgs' things cannot be probed."""
    return reaches(visible(standing), room_org_id)


def reaches(org_ids: set[int] | None, owner_org_id: int | None) -> bool:
    """``allows`` on the org ids ``visible`` gave: whether an actor who sees ``org_ids``
    (None: all) may see what ``owner_org_id`` owns (None: no org, headquarters only)."""
    return org_ids is None or (owner_org_id is not None and owner_org_id in org_ids)


def check(standing: Standing, operation: Operation, *, room_org_id: int | None) -> None:
    """Allow ``operation`` on something owned by ``room_org_id`` or raise ``PermissionDenied``.

    ``room_org_id`` None means an unregistered room: only headquarters may touch it. An
    inactive admin or an admin of an inactive org may do nothing.
    """
    require_acting(standing, operation)
    if standing.headquarters:
        return
    if room_org_id is None:
        raise PermissionDenied(operation, "등록되지 않은 방은 본사 관리자만 다룰 수 있습니다.")
    if room_org_id not in standing.subtree:
        raise PermissionDenied(operation, "소속 조직과 그 아래 조직의 방만 다룰 수 있습니다.")


def visible(standing: Standing) -> set[int] | None:
    """The org ids whose rooms the actor may see; None means all (headquarters, which also
    sees schedules of unregistered rooms); empty for an inactive admin or org."""
    if standing.headquarters:
        return None
    return set(standing.subtree)


async def standing_of(
    session: AsyncSession, actor: Admin, known: Standing | None = None
) -> Standing:
    """``actor``'s standing as the database has it now; ``known`` instead when the caller has
    it already (the chat path's identity cache)."""
    if known is not None:
        return known
    org = await orgs.activity(session, actor.org_id)
    if org is None:
        return Standing(False, False, frozenset())
    org_type, org_active = org
    standing = Standing.of(admin_active=actor.active, org_active=org_active, org_type=org_type)
    return await with_subtree(session, standing, actor.org_id)


async def with_subtree(session: AsyncSession, standing: Standing, org_id: int) -> Standing:
    """``standing`` with the subtree of ``org_id`` read, when the rule needs it."""
    if not standing.needs_subtree:
        return standing
    subtree = frozenset(await orgs.subtree_ids(session, org_id))
    return Standing(standing.acting, standing.headquarters, subtree)


async def authorize(
    session: AsyncSession, actor: Admin, operation: Operation, *, room_org_id: int | None
) -> None:
    """``check`` with ``actor``'s standing read now."""
    check(await standing_of(session, actor), operation, room_org_id=room_org_id)


async def visible_org_ids(session: AsyncSession, actor: Admin) -> set[int] | None:
    """``visible`` with ``actor``'s standing read now."""
    return visible(await standing_of(session, actor))
