"""Saved message texts (``kbot_templates``): one per (org, name), usable by the org's subtree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage.audit import snapshot
from storage.kbot_models import MessageTemplate


async def of_orgs(session: AsyncSession, org_ids: list[int]) -> list[MessageTemplate]:
    """The templates of ``org_ids``, by name."""
    if not org_ids:
        return []
    found = await session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.org_id.in_(org_ids))
        .order_by(MessageTemplate.name, MessageTemplate.id)
    )
    return list(found)


async def get(session: AsyncSession, org_id: int, name: str) -> MessageTemplate | None:
    return await session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.org_id == org_id, MessageTemplate.name == name
        )
    )


async def nearest(session: AsyncSession, org_ids: list[int], name: str) -> MessageTemplate | None:
    """The template called ``name`` of the first of ``org_ids`` (nearest first) that has one."""
    found = {t.org_id: t for t in await of_orgs(session, org_ids) if t.name == name}
    return next((found[org_id] for org_id in org_ids if org_id in found), None)


async def put(
    session: AsyncSession, org_id: int, name: str, body: str, admin_id: int, at: datetime
) -> tuple[MessageTemplate, dict[str, Any] | None]:
    """Save ``body`` as ``name`` of ``org_id``, replacing the text of one saved before: the
    row and, when it replaced one, that one's columns as they were (``audit.snapshot``)."""
    now = to_utc_naive(at)
    row = await get(session, org_id, name)
    before = None if row is None else snapshot(row)
    if row is None:
        row = MessageTemplate(
            org_id=org_id, name=name, body=body, created_by_admin_id=admin_id, created_at=now
        )
        session.add(row)
    row.body, row.updated_at = body, now
    await session.flush()
    return row, before
