"""The access lifecycle: listing, deactivating and reactivating admins, rooms and orgs,
moving rooms, revoking API tokens and inviting admins, for every door (CLI, chat, REST API,
web pages).

``actor`` None is the server operator at the CLI, who may do anything but lock headquarters
out. An admin acts on the seed's matrix (4.3, ``services.permissions``): it sees the admins
and rooms of its subtree, deactivates or reactivates admins strictly below its own org (never
itself, never headquarters), manages the rooms of its subtree, invites admins for orgs of
its subtree and revokes its own tokens. What an admin may not see is answered as not found.

Each method runs in its own transaction and, once it committed, tells
``services.access_events`` so that caches in this process forget at once; other processes
see the change within ``commands.identity.IDENTITY_TTL_S``. Deactivating an admin ends its
web sessions and revokes its API tokens for good; its schedules belong to the org and go on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from services import access_events
from services.access_views import (
    AdminView,
    Changed,
    OrgView,
    RoomView,
    TokenView,
    admin_view,
    numeric_id,
    room_view,
    token_view,
)
from services.errors import Conflict, Invalid, NotFound, quote
from services.permissions import (
    Operation,
    PermissionDenied,
    Standing,
    require_acting,
    standing_of,
    visible,
)
from storage import admins, audit, one_time_codes, orgs, rooms, tokens
from storage.engine import ReadSessions
from storage.errors import Invalid as StorageInvalid
from storage.kbot_models import Admin, ApiToken, Org, Room

INVITE_TTL = timedelta(hours=24)  # how long a pairing code stays valid unless told otherwise


class AccessService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: ReadSessions | async_sessionmaker[AsyncSession],
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._reads = read_sessions
        self._clock = clock

    # -- reading -------------------------------------------------------------------------

    async def list_admins(
        self, actor: Admin | None, standing: Standing | None = None
    ) -> list[AdminView]:
        """Admins of the actor's subtree (every admin for the CLI), by org then name."""
        rows, acting = await self._of_subtree(Admin, actor, standing)
        return [admin_view(admin, org, acting) for admin, org in rows]

    async def list_rooms(
        self, actor: Admin | None, standing: Standing | None = None
    ) -> list[RoomView]:
        """Rooms of the actor's subtree (every room for the CLI), by org then name."""
        rows, acting = await self._of_subtree(Room, actor, standing)
        return [room_view(room, org, acting) for room, org in rows]

    async def _of_subtree(
        self, model: type[Admin] | type[Room], actor: Admin | None, standing: Standing | None
    ) -> tuple[list[Any], set[int]]:
        """The admins or rooms (each with its org) the actor sees, and the orgs that act."""
        async with self._reads() as s:
            org_ids = await _seen_orgs(s, actor, standing, Operation.LIST_ADMINS)
            query = select(model, Org).join(Org, Org.id == model.org_id)
            if org_ids is not None:
                query = query.where(model.org_id.in_(org_ids))
            order = query.order_by(Org.code, model.name, model.id)
            return list((await s.execute(order)).all()), await orgs.acting_ids(s)

    async def list_tokens(
        self, actor: Admin | None, owner_kakao_user_id: str | None = None
    ) -> list[TokenView]:
        """An admin's own tokens; for the CLI every token, or one owner's. Never the token."""
        async with self._reads() as s:
            if actor is not None:
                owners: list[int] | None = [actor.id]
            elif owner_kakao_user_id is not None:
                owners = [(await _admin_by_kakao_id(s, owner_kakao_user_id)).id]
            else:
                owners = None
            rows = await tokens.list_tokens(s, owners)
        return [token_view(token, owner) for token, owner in rows]

    # -- admins ----------------------------------------------------------------------------

    async def set_admin_active(
        self,
        actor: Admin | None,
        kakao_user_id: str,
        active: bool,
        standing: Standing | None = None,
    ) -> Changed[AdminView]:
        """Deactivate (ending its web sessions and revoking its tokens) or reactivate the
        admin behind a KakaoTalk user id."""
        kakao_user_id = numeric_id(kakao_user_id, "kakao_user_id")
        return await self._set_admin(
            actor,
            Admin.kakao_user_id == kakao_user_id,
            ("kakao_user_id", kakao_user_id),
            active,
            standing,
        )

    async def set_admin_active_by_id(
        self, actor: Admin | None, admin_id: int, active: bool
    ) -> Changed[AdminView]:
        """``set_admin_active`` for the admin with id ``admin_id`` (the REST API, web)."""
        return await self._set_admin(
            actor, Admin.id == admin_id, ("id", f"#{admin_id}"), active, None
        )

    async def _set_admin(
        self,
        actor: Admin | None,
        where: object,
        named: tuple[str, str],  # the field the admin was named by, and how it is shown
        active: bool,
        standing: Standing | None,
    ) -> Changed[AdminView]:
        at = self._clock.now()
        async with self._sessions.begin() as s:
            org_ids = await _seen_orgs(s, actor, standing, Operation.MANAGE_ADMINS)
            target = await s.scalar(select(Admin).where(where))  # type: ignore[arg-type]
            if target is None or (org_ids is not None and target.org_id not in org_ids):
                raise NotFound(named[0], f"관리자 {named[1]}: 없거나 볼 수 없는 관리자입니다.")
            org = await s.get(Org, target.org_id)
            assert org is not None  # kbot_admins.org_id is a foreign key
            if actor is not None:
                _check_below(actor, target, org)
            if not active and target.active:
                await _keep_headquarters(s, target, org)
            label, by = _audit_actor(actor)
            was = target.active
            await admins.set_active(s, target.id, active, at=at, actor=label, actor_admin_id=by)
            revoked = 0
            if not active:
                revoked = await tokens.revoke_all(
                    s, target.id, at=at, actor=label, actor_admin_id=by
                )
            view = admin_view(target, org, await orgs.acting_ids(s))
        access_events.changed()
        return Changed(view, was != active or revoked > 0, revoked)

    async def invite_admin(
        self,
        actor: Admin | None,
        org_code: str,
        name: str,
        *,
        ttl: timedelta = INVITE_TTL,
        mb_id: str | None = None,
        standing: Standing | None = None,
    ) -> one_time_codes.Invite:
        """A one-time pairing code for a new admin of an org in the actor's subtree."""
        at = self._clock.now()
        async with self._sessions.begin() as s:
            org_ids = await _seen_orgs(s, actor, standing, Operation.INVITE_ADMIN)
            org = await s.scalar(select(Org).where(Org.code == org_code.strip()))
            if org is None or (org_ids is not None and org.id not in org_ids):
                raise NotFound("org", f"조직 {quote(org_code)}: 없거나 초대할 수 없는 조직입니다.")
            if not await orgs.chain_active(s, org.id):
                raise Conflict(
                    "org", f"조직 {org.code}: 비활성 상태라 관리자를 초대할 수 없습니다."
                )
            label, _ = _audit_actor(actor)
            try:
                return await one_time_codes.create_invite(
                    s, org_code=org.code, name=name, mb_id=mb_id, ttl=ttl, at=at, actor=label
                )
            except StorageInvalid as exc:
                raise Invalid("name", "이름은 1~100자로 적어 주세요.") from exc

    # -- rooms -----------------------------------------------------------------------------

    async def set_room_active(
        self,
        actor: Admin | None,
        chat_id: str,
        active: bool,
        standing: Standing | None = None,
    ) -> Changed[RoomView]:
        """Deactivate (nothing is sent to it; its schedules' sends are logged failed) or
        reactivate a room of the actor's subtree."""
        at = self._clock.now()
        async with self._sessions.begin() as s:
            org_ids = await _seen_orgs(s, actor, standing, Operation.MANAGE_ROOMS)
            room = await _room(s, chat_id, org_ids)
            label, by = _audit_actor(actor)
            changed = await rooms.set_active(s, room, active, at=at, actor=label, actor_admin_id=by)
            org = await s.get(Org, room.org_id)
            assert org is not None
            view = room_view(room, org, await orgs.acting_ids(s))
        access_events.changed()
        return Changed(view, changed)

    async def move_room(self, chat_id: str, org_code: str) -> Changed[RoomView]:
        """Give a room to another org (the CLI): its schedules are re-checked at each send."""
        at = self._clock.now()
        async with self._sessions.begin() as s:
            room = await _room(s, chat_id, None)
            org = await _org(s, org_code)
            changed = await rooms.move(s, room, org.id, at=at, actor=audit.CLI_ACTOR)
            view = room_view(room, org, await orgs.acting_ids(s))
        access_events.changed()
        return Changed(view, changed)

    # -- orgs ------------------------------------------------------------------------------

    async def set_org_active(self, org_code: str, active: bool) -> Changed[OrgView]:
        """Deactivate an org (the CLI): its admins, rooms and every org below it stop with
        it, their own flags untouched, so reactivating brings back exactly what was."""
        at = self._clock.now()
        async with self._sessions.begin() as s:
            org = await _org(s, org_code)
            if not active and org.type == "headquarters":
                raise Conflict("org", f"본사 조직 {org.code}은 비활성화할 수 없습니다.")
            changed = await orgs.set_active(s, org, active, at=at, actor=audit.CLI_ACTOR)
            view = OrgView(org.code, org.name, org.type, org.active)
        access_events.changed()
        return Changed(view, changed)

    # -- tokens ----------------------------------------------------------------------------

    async def revoke_token(self, actor: Admin | None, token_id: int) -> Changed[TokenView]:
        """Revoke an API token for good: an admin its own, the CLI any."""
        at = self._clock.now()
        async with self._sessions.begin() as s:
            token = await s.get(ApiToken, token_id)
            if token is None or (actor is not None and token.admin_id != actor.id):
                why = "없는 토큰입니다." if actor is None else "없거나 내 토큰이 아닙니다."
                raise NotFound("token_id", f"토큰 #{token_id}: {why}")
            if actor is not None:
                require_acting(await standing_of(s, actor), Operation.MANAGE_ADMINS)
            label, by = _audit_actor(actor)
            changed = await tokens.revoke(s, token, at=at, actor=label, actor_admin_id=by)
            owner = await s.get(Admin, token.admin_id)
            assert owner is not None
            view = token_view(token, owner)
        access_events.changed()
        return Changed(view, changed)


def _audit_actor(actor: Admin | None) -> tuple[str, int | None]:
    """Who the audit rows name: the admin (label and id), or the CLI operator."""
    return (audit.CLI_ACTOR, None) if actor is None else (audit.actor_label(actor), actor.id)


async def _seen_orgs(
    session: AsyncSession, actor: Admin | None, standing: Standing | None, operation: Operation
) -> set[int] | None:
    """The org ids the actor may act on for ``operation`` (None: all; the CLI or
    headquarters); ``PermissionDenied`` for an admin who may not act at all."""
    if actor is None:
        return None
    standing = await standing_of(session, actor, standing)
    require_acting(standing, operation)
    return visible(standing)


def _check_below(actor: Admin, target: Admin, org: Org) -> None:
    """An admin manages admins strictly below its own org: never itself, its own org's
    colleagues or headquarters."""
    if target.id == actor.id:
        raise Conflict(
            "kakao_user_id", "자기 자신은 해제할 수 없습니다. 다른 상위 관리자에게 요청해 주세요."
        )
    if target.org_id == actor.org_id or org.type == "headquarters":
        raise PermissionDenied(
            Operation.MANAGE_ADMINS, "소속 조직보다 아래 조직의 관리자만 다룰 수 있습니다."
        )


async def _keep_headquarters(session: AsyncSession, target: Admin, org: Org) -> None:
    """Refuse to deactivate the last active admin of an active headquarters org."""
    if org.type != "headquarters":
        return
    others = await session.scalar(
        select(func.count(Admin.id))
        .join(Org, Org.id == Admin.org_id)
        .where(
            Org.type == "headquarters",
            Org.active.is_(True),
            Admin.active.is_(True),
            Admin.id != target.id,
        )
    )
    if not others:
        raise Conflict(
            "kakao_user_id",
            f"관리자 {target.kakao_user_id}: 마지막 남은 본사 관리자라 해제할 수 없습니다. "
            "다른 본사 관리자를 먼저 추가해 주세요.",
        )


async def _admin_by_kakao_id(session: AsyncSession, kakao_user_id: str) -> Admin:
    kakao_user_id = numeric_id(kakao_user_id, "kakao_user_id")
    admin = await session.scalar(select(Admin).where(Admin.kakao_user_id == kakao_user_id))
    if admin is None:
        raise NotFound("kakao_user_id", f"관리자 {kakao_user_id}: 등록되지 않은 관리자입니다.")
    return admin


async def _room(session: AsyncSession, chat_id: str, org_ids: set[int] | None) -> Room:
    chat_id = numeric_id(chat_id, "room_id")
    room = await session.scalar(select(Room).where(Room.chat_id == chat_id))
    if room is None or (org_ids is not None and room.org_id not in org_ids):
        raise NotFound("room_id", f"방 {chat_id}: 없거나 볼 수 없는 방입니다.")
    return room


async def _org(session: AsyncSession, org_code: str) -> Org:
    org = await session.scalar(select(Org).where(Org.code == org_code.strip()))
    if org is None:
        raise NotFound("org", f"조직 {quote(org_code)}: 등록되지 않은 조직 코드입니다.")
    return org
