"""REST API bearer tokens. Only a SHA-256 digest is stored; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage import admins, audit
from storage.kbot_models import Admin, ApiToken

PREFIX = "kbt_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_token(
    session: AsyncSession, *, kakao_user_id: str, name: str, at: datetime, actor: str
) -> tuple[ApiToken, str]:
    admin = await admins.get_by_kakao_id(session, kakao_user_id)
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        admin_id=admin.id, name=name[:100], token_hash=digest(plain), created_at=to_utc_naive(at)
    )
    session.add(token)
    await session.flush()
    audit.record(
        session,
        at=at,
        actor=actor,
        action="create",
        entity="api_token",
        entity_id=token.id,
        after={"admin": kakao_user_id, "name": token.name},
    )
    return token, plain


async def admin_for_token(session: AsyncSession, plain: str, *, at: datetime) -> Admin | None:
    """The active admin a bearer token belongs to, or None; records the use."""
    row = await session.execute(
        select(ApiToken, Admin)
        .join(Admin, Admin.id == ApiToken.admin_id)
        .where(
            ApiToken.token_hash == digest(plain),
            ApiToken.revoked_at.is_(None),
            Admin.active.is_(True),
        )
    )
    found = row.first()
    if found is None:
        return None
    token, admin = found
    await session.execute(
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=to_utc_naive(at))
    )
    return admin


async def list_tokens(
    session: AsyncSession, admin_ids: Collection[int] | None = None
) -> list[tuple[ApiToken, Admin]]:
    """Tokens with their owners, newest first; only those of ``admin_ids`` when given."""
    query = select(ApiToken, Admin).join(Admin, Admin.id == ApiToken.admin_id)
    if admin_ids is not None:
        query = query.where(ApiToken.admin_id.in_(list(admin_ids)))
    rows = await session.execute(query.order_by(ApiToken.id.desc()))
    return [(token, admin) for token, admin in rows.all()]


async def revoke(
    session: AsyncSession,
    token: ApiToken,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> bool:
    """Revoke one token for good (401 from then on); audited. Returns whether it was live."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = to_utc_naive(at)
    await session.flush()
    audit.record(  # not the row: its digest stays out of the audit log
        session,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
        action="revoke",
        entity="api_token",
        entity_id=token.id,
        after={"admin_id": token.admin_id, "name": token.name},
    )
    return True


async def revoke_all(
    session: AsyncSession,
    admin_id: int,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> int:
    """Revoke every live token of an admin (on deactivation; reactivating does not bring
    them back). Returns how many were revoked."""
    live = await session.scalars(
        select(ApiToken).where(ApiToken.admin_id == admin_id, ApiToken.revoked_at.is_(None))
    )
    revoked = 0
    for token in live.all():
        revoked += await revoke(session, token, at=at, actor=actor, actor_admin_id=actor_admin_id)
    return revoked
