"""Who sent a chat command: the active admin behind a KakaoTalk user id and its permission
standing, read in one session and kept for a few seconds so a busy admin's commands skip it.

Changes this process makes to admins or orgs (``!관리자 인증``) call ``forget_all``. Changes
made elsewhere (the CLI, another kbot process) are seen within ``ttl_s`` seconds: until then
a deactivated admin or org may still act, a new admin is still a stranger, and a moved org
keeps its old subtree. The web pages and the REST API do not use this cache.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from services.permissions import Standing, with_subtree
from storage import admins
from storage.engine import ReadSessions
from storage.kbot_models import Admin

IDENTITY_TTL_S = 5.0
IDENTITY_CAPACITY = 10_000  # user ids remembered; the oldest entry goes first


@dataclass(frozen=True, slots=True)
class Identity:
    admin: Admin  # detached: read its columns, never add it to a session
    standing: Standing


@dataclass(frozen=True, slots=True)
class _Entry:
    identity: Identity | None  # None: not an active admin
    read_at: float  # clock.monotonic()


class IdentityCache:
    def __init__(
        self,
        sessions: ReadSessions,
        clock: Clock,
        ttl_s: float = IDENTITY_TTL_S,
        capacity: int = IDENTITY_CAPACITY,
    ) -> None:
        if ttl_s < 0 or capacity < 1:
            raise ValueError("ttl_s must be >= 0 and capacity >= 1")
        self._sessions = sessions
        self._clock = clock
        self._ttl_s = ttl_s
        self._capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation = 0  # bumped by forget_all, so a lookup racing it is not kept
        self._reading: dict[str, asyncio.Task[Identity | None]] = {}

    async def find(self, kakao_user_id: str) -> Identity | None:
        """The active admin behind ``kakao_user_id`` and its standing, or None. Concurrent
        calls for a user id that is not remembered share one read."""
        entry = self._fresh(kakao_user_id)
        if entry is not None:
            return entry.identity
        reading = self._reading.get(kakao_user_id)
        if reading is None:
            reading = asyncio.create_task(self._read(kakao_user_id), name="identity-read")
            self._reading[kakao_user_id] = reading
            reading.add_done_callback(lambda done: self._read_done(kakao_user_id, done))
        return await asyncio.shield(reading)  # a cancelled caller leaves the read to the rest

    def forget_all(self) -> None:
        """Drop everything remembered: this process changed an admin or an org."""
        self._entries.clear()
        self._reading.clear()
        self._generation += 1

    def __len__(self) -> int:
        return len(self._entries)

    async def _read(self, kakao_user_id: str) -> Identity | None:
        generation = self._generation
        async with self._sessions() as s:
            identity = await _read_identity(s, kakao_user_id)
        if generation == self._generation:
            self._entries[kakao_user_id] = _Entry(identity, self._clock.monotonic())
            self._entries.move_to_end(kakao_user_id)
            if len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return identity

    def _read_done(self, kakao_user_id: str, done: asyncio.Task[Identity | None]) -> None:
        if self._reading.get(kakao_user_id) is done:
            del self._reading[kakao_user_id]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every caller was cancelled

    def _fresh(self, kakao_user_id: str) -> _Entry | None:
        entry = self._entries.get(kakao_user_id)
        if entry is None:
            return None
        if self._clock.monotonic() - entry.read_at >= self._ttl_s:
            del self._entries[kakao_user_id]
            return None
        return entry


async def _read_identity(session: AsyncSession, kakao_user_id: str) -> Identity | None:
    found = await admins.find_active_with_org(session, kakao_user_id)
    if found is None:
        return None
    admin, org_type, org_active = found
    standing = Standing.of(admin_active=admin.active, org_active=org_active, org_type=org_type)
    return Identity(admin, await with_subtree(session, standing, admin.org_id))
