"""Who sent a chat command: the active admin behind a KakaoTalk user id and its permission
standing, read in one session and kept for a second so a burst of commands reads it once.

An access change this process makes (``services.accounts``, ``!관리자 인증``) moves
``services.access_events`` on, and every entry read before it is dropped at once. Changes
made elsewhere (the CLI, another kbot process) are seen within ``ttl_s`` seconds plus one
read: until then a deactivated admin or org may still act, a new admin is still a stranger.
That is the "within 2 s in every other process" of shared/CONTRACT.md. The web pages and the
REST API read the database on every request and do not use this cache.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from services import access_events
from services.permissions import Standing, with_subtree
from storage import admins
from storage.engine import ReadSessions
from storage.kbot_models import Admin

IDENTITY_TTL_S = 1.0
IDENTITY_CAPACITY = 10_000  # user ids remembered; the oldest entry goes first


@dataclass(frozen=True, slots=True)
class Identity:
    admin: Admin  # detached: read its columns, never add it to a session
    standing: Standing


@dataclass(frozen=True, slots=True)
class _Entry:
    identity: Identity | None  # None: not an active admin
    read_at: float  # clock.monotonic()
    generation: int  # access_events.generation() when the read began


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
        # reads in flight, each with the access generation it began in: a lookup after a
        # change never joins a read begun before it
        self._reading: dict[str, tuple[int, asyncio.Task[Identity | None]]] = {}

    async def find(self, kakao_user_id: str) -> Identity | None:
        """The active admin behind ``kakao_user_id`` and its standing, or None. Concurrent
        calls for a user id that is not remembered share one read."""
        entry = self._fresh(kakao_user_id)
        if entry is not None:
            return entry.identity
        generation = access_events.generation()
        began, reading = self._reading.get(kakao_user_id, (None, None))
        if reading is None or began != generation:
            reading = asyncio.create_task(self._read(kakao_user_id), name="identity-read")
            self._reading[kakao_user_id] = (generation, reading)
            reading.add_done_callback(lambda done: self._read_done(kakao_user_id, done))
        return await asyncio.shield(reading)  # a cancelled caller leaves the read to the rest

    def forget_all(self) -> None:
        """Drop everything remembered, in every cache of this process: it changed who may
        act (``access_events.changed``, which the access service calls itself)."""
        access_events.changed()
        self._entries.clear()
        self._reading.clear()

    def __len__(self) -> int:
        return len(self._entries)

    async def _read(self, kakao_user_id: str) -> Identity | None:
        generation = access_events.generation()
        async with self._sessions() as s:
            identity = await _read_identity(s, kakao_user_id)
        if generation == access_events.generation():  # a change racing the read: not kept
            self._entries[kakao_user_id] = _Entry(identity, self._clock.monotonic(), generation)
            self._entries.move_to_end(kakao_user_id)
            if len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return identity

    def _read_done(self, kakao_user_id: str, done: asyncio.Task[Identity | None]) -> None:
        if self._reading.get(kakao_user_id, (None, None))[1] is done:
            del self._reading[kakao_user_id]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every caller was cancelled

    def _fresh(self, kakao_user_id: str) -> _Entry | None:
        entry = self._entries.get(kakao_user_id)
        if entry is None:
            return None
        stale = entry.generation != access_events.generation()
        if stale or self._clock.monotonic() - entry.read_at >= self._ttl_s:
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
