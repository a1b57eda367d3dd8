"""The one permission rule for every path (chat, REST API, web), from the seed's section 4.3.

An admin acts for one org and may do everything to what is owned by an org inside that org's
subtree: headquarters everything; a distributor its own org and the agencies and branches below
it; an agency itself and its branches; a branch its own rooms only. What a schedule belongs to
is its target room's org (``kb_schedule.target_room_id`` -> ``kbot_rooms.org_id``); a schedule
whose room is not registered belongs to nobody below headquarters.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage import orgs
from storage.kbot_models import Admin, Org


class Operation(StrEnum):
    CREATE = "create"
    LIST = "list"
    VIEW = "view"
    EDIT = "edit"
    DELETE = "delete"
    TOGGLE = "toggle"
    TEST = "test"
    LOGS = "logs"
    REGISTER_ROOM = "register_room"


_KOREAN = {
    Operation.CREATE: "등록",
    Operation.LIST: "조회",
    Operation.VIEW: "조회",
    Operation.EDIT: "수정",
    Operation.DELETE: "삭제",
    Operation.TOGGLE: "켜기/끄기",
    Operation.TEST: "테스트 발송",
    Operation.LOGS: "로그 조회",
    Operation.REGISTER_ROOM: "방 등록",
}


class PermissionDenied(Exception):
    """The actor may not do this; ``message`` is the Korean reply (it contains "권한")."""

    def __init__(self, operation: Operation, detail: str = "") -> None:
        self.operation = operation
        self.message = f"⛔ {_KOREAN[operation]} 권한이 없습니다." + (
            f" {detail}" if detail else ""
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


async def authorize(
    session: AsyncSession, actor: Admin, operation: Operation, *, room_org_id: int | None
) -> None:
    """Allow ``operation`` on something owned by ``room_org_id`` or raise ``PermissionDenied``.

    ``room_org_id`` None means an unregistered room: only headquarters may touch it. An
    inactive admin or an admin of an inactive org may do nothing.
    """
    org = await _active_org(session, actor)
    if org is None:
        raise PermissionDenied(operation, "관리자 계정이나 소속 조직이 비활성 상태입니다.")
    if org.type == "headquarters":
        return
    if room_org_id is None:
        raise PermissionDenied(operation, "등록되지 않은 방은 본사 관리자만 다룰 수 있습니다.")
    if not await orgs.is_within(session, room_org_id, org.id):
        raise PermissionDenied(operation, "소속 조직과 그 아래 조직의 방만 다룰 수 있습니다.")


async def visible_org_ids(session: AsyncSession, actor: Admin) -> set[int] | None:
    """The org ids whose rooms ``actor`` may see; None means all (headquarters, which also
    sees schedules of unregistered rooms); empty for an inactive admin or org."""
    org = await _active_org(session, actor)
    if org is None:
        return set()
    if org.type == "headquarters":
        return None
    return await orgs.subtree_ids(session, org.id)


async def _active_org(session: AsyncSession, actor: Admin) -> Org | None:
    if not actor.active:
        return None
    org = await session.get(Org, actor.org_id)
    return org if org is not None and org.active else None
