"""Ending an admin's web sessions and (de)activating an admin in storage, on SQLite and MariaDB:
the session epoch moves, and every change is in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import admins
from storage.errors import NotFound
from storage.kbot_models import Admin, AuditEntry
from tests.support.command_world import START, USERS, build_world


async def standing(sessions: async_sessionmaker[AsyncSession], kakao_user_id: str) -> Admin:
    async with sessions() as s:
        return await admins.get_by_kakao_id(s, kakao_user_id)


async def audit_rows(sessions: async_sessionmaker[AsyncSession], user: str) -> list[AuditEntry]:
    async with sessions() as s:
        rows = await s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "admin", AuditEntry.entity_id == user)
            .order_by(AuditEntry.id)
        )
        return list(rows)


async def test_end_sessions_moves_the_epoch_and_is_audited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    user = USERS["BR1"]
    admin = await standing(sessions, user)
    assert admin.session_epoch == 0
    for expected in (1, 2):
        async with sessions.begin() as s:
            epoch = await admins.end_sessions(
                s, admin.id, at=START, actor="admin:1 (김)", actor_admin_id=admin.id
            )
        assert epoch == expected
        assert (await standing(sessions, user)).session_epoch == expected

    rows = [r for r in await audit_rows(sessions, user) if r.action == "end_sessions"]
    assert [(r.before, r.after) for r in rows] == [
        ({"session_epoch": 0}, {"session_epoch": 1}),
        ({"session_epoch": 1}, {"session_epoch": 2}),
    ]
    assert rows[0].actor == "admin:1 (김)" and rows[0].actor_admin_id == admin.id
    other = await standing(sessions, USERS["BR2"])
    assert other.session_epoch == 0  # only that admin's sessions end

    async with sessions.begin() as s:
        with pytest.raises(NotFound):
            await admins.end_sessions(s, 999_999, at=START, actor="test")


async def test_deactivation_and_reactivation_each_end_the_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    user = USERS["AG1"]
    admin_id = (await standing(sessions, user)).id

    async with sessions.begin() as s:
        changed = await admins.set_active(s, admin_id, False, at=START, actor="cli")
        assert not changed.active and changed.session_epoch == 1
    async with sessions.begin() as s:  # already inactive: nothing changes
        await admins.set_active(s, admin_id, False, at=START, actor="cli")
    admin = await standing(sessions, user)
    assert not admin.active and admin.session_epoch == 1

    async with sessions.begin() as s:
        await admins.set_active(s, admin_id, True, at=START, actor="cli")
    admin = await standing(sessions, user)
    assert admin.active and admin.session_epoch == 2  # old cookies stay dead

    rows = [(r.action, r.before, r.after) for r in await audit_rows(sessions, user)]
    assert [action for action, _, _ in rows] == ["create", "deactivate", "activate"]
    _, before, after = rows[1]
    assert before is not None and after is not None
    assert (before["active"], before["session_epoch"]) == (True, 0)
    assert (after["active"], after["session_epoch"]) == (False, 1)
    async with sessions.begin() as s:
        with pytest.raises(NotFound):
            await admins.set_active(s, 999_999, False, at=START, actor="cli")
