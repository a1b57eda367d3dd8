"""Single-use, expiring codes: admin invites (pairing a KakaoTalk user) and web login links.

Only a SHA-256 digest of a code is stored. Using a code is one conditional UPDATE, so two
concurrent uses cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plain_text import clean
from core.timeutil import to_utc_naive
from storage import admins, audit, orgs
from storage.errors import Invalid
from storage.kbot_models import Admin, OneTimeCode

INVITE = "invite"
WEB_LOGIN = "web_login"
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed by hand
INVITE_LENGTH = 12


def digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


async def issue(
    session: AsyncSession,
    *,
    purpose: str,
    code: str,
    at: datetime,
    ttl: timedelta,
    admin_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> OneTimeCode:
    row = OneTimeCode(
        purpose=purpose,
        code_hash=digest(code),
        admin_id=admin_id,
        payload=payload,
        expires_at=to_utc_naive(at + ttl),
        created_at=to_utc_naive(at),
    )
    session.add(row)
    await session.flush()
    return row


async def consume(
    session: AsyncSession, *, purpose: str, code: str, at: datetime
) -> OneTimeCode | None:
    """The unexpired, unused code of ``purpose``, now marked used; None when there is none."""
    now = to_utc_naive(at)
    row = await session.scalar(
        select(OneTimeCode).where(
            OneTimeCode.purpose == purpose, OneTimeCode.code_hash == digest(code)
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    result = await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return row if getattr(result, "rowcount", 0) == 1 else None


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    org_code: str
    name: str
    expires_at: datetime


async def create_invite(
    session: AsyncSession,
    *,
    org_code: str,
    name: str,
    mb_id: str | None,
    ttl: timedelta,
    at: datetime,
    actor: str,
) -> Invite:
    """An invite for one new admin of ``org_code``; the user types ``관리자 인증 CODE``."""
    org = await orgs.get_by_code(session, org_code)
    name = clean(name)
    if not name.strip() or len(name) > 100:
        raise Invalid("name must be 1-100 characters")
    if mb_id is not None and len(mb_id) > 50:
        raise Invalid("mb_id must be at most 50 characters")
    if ttl <= timedelta(0):
        raise Invalid("ttl must be positive")
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    payload = {"org_code": org.code, "name": name.strip(), "mb_id": mb_id}
    row = await issue(session, purpose=INVITE, code=code, at=at, ttl=ttl, payload=payload)
    audit.record(
        session,
        at=at,
        actor=actor,
        action="create",
        entity="invite",
        entity_id=row.id,
        after=payload,
    )
    return Invite(code, org.code, name.strip(), at + ttl)


async def accept_invite(
    session: AsyncSession, *, code: str, kakao_user_id: str, at: datetime
) -> Admin | None:
    """Pair ``kakao_user_id`` with the invite ``code`` (as typed: any case, full-width
    forms too): the new admin, or None for a wrong, used or expired code. Raises
    ``Conflict`` when the user is already an admin."""
    row = await consume(session, purpose=INVITE, code=invite_code(code), at=at)
    if row is None:
        return None
    payload = row.payload or {}
    return await admins.add_admin(
        session,
        kakao_user_id=kakao_user_id,
        org_code=str(payload["org_code"]),
        name=str(payload["name"]),
        mb_id=payload.get("mb_id"),
        at=at,
        actor=f"invite:{row.id}",
    )


def invite_code(typed: str) -> str:
    """An invite code as issued, from what a user typed: invite codes are upper case
    (``INVITE_ALPHABET``), so ``abcd…`` and full-width ``ＡＢＣＤ…`` mean ``ABCD…``."""
    return unicodedata.normalize("NFKC", typed).strip().upper()


async def create_web_login(
    session: AsyncSession, *, admin_id: int, ttl: timedelta, at: datetime
) -> str:
    """A fresh web login code for ``admin_id`` (the path part of the one-time link)."""
    code = secrets.token_urlsafe(32)
    await issue(session, purpose=WEB_LOGIN, code=code, at=at, ttl=ttl, admin_id=admin_id)
    return code
