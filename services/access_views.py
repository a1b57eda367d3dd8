"""What the access service answers with: admins, rooms, orgs and tokens as the doors show
them (never a token's secret), whether a change changed anything, and the check of a
KakaoTalk numeric id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from services.errors import Invalid, quote
from storage.kbot_models import Admin, ApiToken, Org, Room

T = TypeVar("T")
NUMERIC_ID = re.compile(r"[0-9]{1,30}")  # KakaoTalk's user and chat ids are decimal numbers


def numeric_id(raw: str, field: str) -> str:
    """``raw`` as a KakaoTalk numeric id (user id or chat id); ``Invalid`` naming ``field``
    otherwise (a room name or a nickname typed where the id belongs)."""
    value = raw.strip()
    if not NUMERIC_ID.fullmatch(value):
        raise Invalid(
            field,
            f"{quote(raw)}: 카카오톡의 숫자 ID만 쓸 수 있습니다 (예: 18470462837).",
        )
    return value


@dataclass(frozen=True, slots=True)
class AdminView:
    id: int
    kakao_user_id: str
    name: str
    org_code: str
    org_name: str
    org_type: str
    active: bool  # the admin's own flag
    org_active: bool  # its org and every org above it are active
    created_at: datetime

    @property
    def acting(self) -> bool:
        return self.active and self.org_active


@dataclass(frozen=True, slots=True)
class RoomView:
    id: int
    chat_id: str
    name: str
    room_type: str
    org_code: str
    org_name: str
    active: bool  # the room's own flag
    org_active: bool

    @property
    def acting(self) -> bool:
        return self.active and self.org_active


@dataclass(frozen=True, slots=True)
class OrgView:
    code: str
    name: str
    type: str
    active: bool


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    owner_kakao_user_id: str
    owner_name: str
    created_at: datetime  # UTC, naive
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Changed(Generic[T]):
    value: T
    changed: bool  # False: it was in that state already, nothing was written
    revoked_tokens: int = 0  # API tokens revoked with a deactivated admin


def admin_view(admin: Admin, org: Org, acting: set[int]) -> AdminView:
    return AdminView(
        admin.id,
        admin.kakao_user_id,
        admin.name,
        org.code,
        org.name,
        org.type,
        bool(admin.active),
        org.id in acting,
        admin.created_at,
    )


def room_view(room: Room, org: Org, acting: set[int]) -> RoomView:
    return RoomView(
        room.id,
        room.chat_id,
        room.name,
        room.room_type,
        org.code,
        org.name,
        bool(room.active),
        org.id in acting,
    )


def token_view(token: ApiToken, owner: Admin) -> TokenView:
    return TokenView(
        token.id,
        token.name,
        owner.kakao_user_id,
        owner.name,
        token.created_at,
        token.last_used_at,
        token.revoked_at,
    )
