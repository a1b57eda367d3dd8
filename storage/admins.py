"""Admins: KakaoTalk users acting for one org."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plain_text import clean
from core.timeutil import to_utc_naive
from storage import audit, orgs
from storage.errors import Conflict, Invalid, NotFound
from storage.kbot_models import Admin


async def add_admin(
    session: AsyncSession,
    *,
    kakao_user_id: str,
    org_code: str,
    name: str,
    mb_id: str | None = None,
    at: datetime,
    actor: str,
) -> Admin:
    kakao_user_id = kakao_user_id.strip()
    name = clean(name)
    if not kakao_user_id or len(kakao_user_id) > 100:
        raise Invalid("kakao user id must be 1-100 characters")
    if not name.strip() or len(name) > 100:
        raise Invalid("name must be 1-100 characters")
    if mb_id is not None and len(mb_id) > 50:
        raise Invalid("mb_id must be at most 50 characters")
    org = await orgs.get_by_code(session, org_code)
    existing = await session.scalar(select(Admin).where(Admin.kakao_user_id == kakao_user_id))
    if existing is not None:
        raise Conflict(f"kakao user {kakao_user_id} is already an admin (admin #{existing.id})")
    admin = Admin(
        kakao_user_id=kakao_user_id,
        org_id=org.id,
        name=name.strip(),
        mb_id=mb_id,
        created_at=to_utc_naive(at),  # naive UTC on every backend, like the other kbot times
    )
    session.add(admin)
    await session.flush()
    audit.record(
        session,
        at=at,
        actor=actor,
        action="create",
        entity="admin",
        entity_id=kakao_user_id,
        after=audit.snapshot(admin),
    )
    return admin


async def get_by_kakao_id(session: AsyncSession, kakao_user_id: str) -> Admin:
    admin = await session.scalar(select(Admin).where(Admin.kakao_user_id == kakao_user_id))
    if admin is None:
        raise NotFound(f"no admin with kakao user id {kakao_user_id}")
    return admin


async def find_active_with_org(
    session: AsyncSession, kakao_user_id: str
) -> tuple[Admin, str, bool] | None:
    """The active admin behind a KakaoTalk user id (the identity check) with its org's type
    and whether that org acts (it and every org above it active); None for anyone else."""
    admin = await session.scalar(
        select(Admin).where(Admin.kakao_user_id == kakao_user_id, Admin.active.is_(True))
    )
    if admin is None:
        return None
    org = await orgs.activity(session, admin.org_id)
    if org is None:
        return None
    return admin, org[0], org[1]


async def list_admins(session: AsyncSession) -> list[Admin]:
    return list(await session.scalars(select(Admin).order_by(Admin.id)))


async def any_admin(session: AsyncSession) -> bool:
    """Whether any admin is registered (active or not)."""
    return await session.scalar(select(Admin.id).limit(1)) is not None


async def end_sessions(
    session: AsyncSession,
    admin_id: int,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> int:
    """End every web session of the admin at once (logout, or any change of standing): the
    admin's ``session_epoch`` moves on, so every cookie issued before stops counting. Audited;
    returns the new epoch."""
    admin = await _get(session, admin_id)
    before = admin.session_epoch
    await _bump_epoch(session, admin)
    audit.record(
        session,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
        action="end_sessions",
        entity="admin",
        entity_id=admin.kakao_user_id,
        before={"session_epoch": before},
        after={"session_epoch": admin.session_epoch},
    )
    return admin.session_epoch


async def set_active(
    session: AsyncSession,
    admin_id: int,
    active: bool,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> Admin:
    """Activate or deactivate an admin. A change also ends every web session of the admin, so
    a deactivated admin is out at once and one reactivated later does not get old cookies
    back. Setting the state the admin already has changes nothing and is not audited."""
    admin = await _get(session, admin_id)
    if admin.active == active:
        return admin
    before = audit.snapshot(admin)
    admin.active = active
    await session.flush()
    await _bump_epoch(session, admin)
    audit.record(
        session,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
        action="activate" if active else "deactivate",
        entity="admin",
        entity_id=admin.kakao_user_id,
        before=before,
        after=audit.snapshot(admin),
    )
    return admin


async def _get(session: AsyncSession, admin_id: int) -> Admin:
    admin = await session.get(Admin, admin_id)
    if admin is None:
        raise NotFound(f"no admin #{admin_id}")
    return admin


async def _bump_epoch(session: AsyncSession, admin: Admin) -> None:
    """One atomic increment in the database (concurrent bumps never collapse into one), then
    ``admin`` re-read so it shows the new epoch."""
    await session.execute(
        update(Admin)
        .where(Admin.id == admin.id)
        .values(session_epoch=Admin.session_epoch + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(admin)
