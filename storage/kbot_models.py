"""kbot's own tables: the org hierarchy, rooms, admins, images, API tokens, one-time codes, the
audit trail, and the scheduler's per-occurrence bookkeeping.

DATETIME columns here hold naive UTC (see ``core.timeutil``), except ``kbot_images.upload_date``,
which is local time like the seed's image JSON it is copied into.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import MYSQL_TABLE_ARGS, NO_ID_REUSE, NOW, Base
from storage.types import ORG_TYPES, ROOM_TYPES, enum

BIGINT_PK = BigInteger().with_variant(Integer, "sqlite")


class Org(Base):
    __tablename__ = "kbot_orgs"
    __table_args__ = (Index("ix_kbot_orgs_parent_id", "parent_id"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(enum(*ORG_TYPES, name="org_type"), nullable=False)
    code: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kbot_orgs.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)


class Room(Base):
    __tablename__ = "kbot_rooms"
    __table_args__ = (Index("ix_kbot_rooms_org_id", "org_id"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    room_type: Mapped[str] = mapped_column(
        enum(*ROOM_TYPES, name="room_type"), nullable=False, server_default="live"
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("kbot_orgs.id"), nullable=False)
    device: Mapped[str | None] = mapped_column(String(50))  # Iris device name; None = default
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)


class Admin(Base):
    __tablename__ = "kbot_admins"
    __table_args__ = (Index("ix_kbot_admins_org_id", "org_id"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kakao_user_id: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("kbot_orgs.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    mb_id: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)
    # web sessions carry the epoch they were issued in; bumping it (logout, deactivation)
    # ends every session of the admin at once
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class Image(Base):
    """An uploaded image: the seed's section 3.3 metadata plus its digest and owner."""

    __tablename__ = "kbot_images"
    __table_args__ = (
        UniqueConstraint("org_id", "sha256", name="uq_kbot_images_org_sha256"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_path: Mapped[str] = mapped_column(String(500), nullable=False)
    file_url: Mapped[str] = mapped_column(String(500), nullable=False)
    file_size: Mapped[int] = mapped_column(Integer, nullable=False)
    mime_type: Mapped[str] = mapped_column(String(50), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("kbot_orgs.id"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("kbot_admins.id"))
    upload_date: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class ApiToken(Base):
    __tablename__ = "kbot_api_tokens"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("kbot_admins.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class OneTimeCode(Base):
    """Single-use, expiring codes: admin pairing invites and web login links (stored hashed)."""

    __tablename__ = "kbot_one_time_codes"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)  # 'invite' | 'web_login'
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("kbot_admins.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class AuditEntry(Base):
    __tablename__ = "kbot_audit_log"
    __table_args__ = (Index("ix_kbot_audit_log_entity", "entity", "entity_id"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(120), nullable=False)  # "cli", "admin:12 (홍길동)"
    actor_admin_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(100), nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ScheduleMeta(Base):
    """kbot's per-schedule state kept beside ``kb_schedule`` (whose columns stay the seed's)."""

    __tablename__ = "kbot_schedule_meta"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("kb_schedule.id", ondelete="CASCADE"), primary_key=True
    )
    creator_admin_id: Mapped[int | None] = mapped_column(Integer)
    notify_room_id: Mapped[str | None] = mapped_column(String(100))
    test_room_id: Mapped[str | None] = mapped_column(String(100))
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # the campaign this row is one room of; None for a schedule of its own
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("kbot_campaigns.id", ondelete="SET NULL"), index=True
    )
    # live notices to the notify room (``알림``): 'failures' | 'all' | 'off'; None: 'failures'
    notify: Mapped[str | None] = mapped_column(String(10))


class HolidayDay(Base):
    """A day set by ``kbot holiday``: ``off`` adds a day off to the Korean public holidays
    (임시공휴일, a company day off), not ``off`` makes a public holiday a business day."""

    __tablename__ = "kbot_holidays"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    off: Mapped[bool] = mapped_column(Boolean, nullable=False)
    actor: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class ScheduleRule(Base):
    """A schedule's rule beyond the seed's columns; a row exists only when one is set.

    ``kb_schedule`` keeps the nearest seed form (a monthly rule is ``daily`` there, its first
    time in ``schedule_time``) and the true ``next_send_at``. ``seed_fingerprint`` is the
    digest of the seed's timing columns as kbot wrote them: when the PHP site edits them the
    digest no longer matches and kbot follows the seed columns, dropping this rule.
    Every value is read back as untrusted input (anyone with SQL access may write it)."""

    __tablename__ = "kbot_schedule_rules"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("kb_schedule.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str | None] = mapped_column(String(10))  # 'monthly'; None: the seed's type
    month_day: Mapped[int | None] = mapped_column(SmallInteger)  # 1..31
    month_last: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    month_nth: Mapped[int | None] = mapped_column(SmallInteger)  # 1..5, -1 the last
    month_weekday: Mapped[str | None] = mapped_column(String(9))  # 'monday'..'sunday'
    times: Mapped[str | None] = mapped_column(String(200))  # '09:00,13:00,18:00'
    holiday_policy: Mapped[str | None] = mapped_column(String(24))  # None: the config's
    max_sends: Mapped[int | None] = mapped_column(Integer)
    sends_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    skip_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive local: not sent
    paused_until: Mapped[date | None] = mapped_column(Date)  # nothing sent through this day
    seed_fingerprint: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class Campaign(Base):
    """One message to many rooms: its ``kb_schedule`` rows (one per room) point here through
    ``kbot_schedule_meta.campaign_id``. ``base_time`` is the set time before ``spread_s``
    spreads the rows after it; ``target_org_id`` the org a ``방: ORG 전체`` named."""

    __tablename__ = "kbot_campaigns"
    __table_args__ = ({**MYSQL_TABLE_ARGS, **NO_ID_REUSE},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("kbot_orgs.id"), nullable=False)
    creator_admin_id: Mapped[int | None] = mapped_column(Integer)
    target_org_id: Mapped[int | None] = mapped_column(ForeignKey("kbot_orgs.id"))
    spread_s: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    base_time: Mapped[time | None] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC


class MessageTemplate(Base):
    """A saved message text (``!템플릿 저장``) of an org, usable by its whole subtree."""

    __tablename__ = "kbot_templates"
    __table_args__ = (
        UniqueConstraint("org_id", "name", name="uq_kbot_templates_org_name"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("kbot_orgs.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_admin_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC


class Occurrence(Base):
    """One claimed send of a schedule, unique per (schedule, scheduled time, kind).

    The claim writes this row and advances ``kb_schedule.next_send_at`` in one transaction;
    ``parts_done`` records confirmed parts so a crashed send resumes instead of repeating, and
    ``lease_owner``/``lease_expires_at`` let a live worker hold it while an expired lease is
    taken over. ``log_id`` points at the final ``kb_schedule_logs`` row.
    """

    __tablename__ = "kbot_occurrences"
    __table_args__ = (
        UniqueConstraint("schedule_id", "scheduled_at", "kind", name="uq_kbot_occurrence"),
        Index("ix_kbot_occurrences_state_lease", "state", "lease_expires_at"),
        Index("ix_kbot_occurrences_room_started", "target_room_id", "started_at"),
        Index("ix_kbot_occurrences_log_id", "log_id"),
        {**MYSQL_TABLE_ARGS, **NO_ID_REUSE},
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("kb_schedule.id", ondelete="CASCADE"), nullable=False
    )
    scheduled_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # local, as the log
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # scheduled | manual | test
    target_room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)  # pending|sending|done|skipped
    parts_total: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    parts_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    log_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class RoomSend(Base):
    """The per-room send ledger behind the room limits (seed 7.3): one row per start slot
    handed out to a send into ``room_id``. It has no foreign keys, so deleting or editing a
    schedule (or SQLite reusing its id) never gives a room its sends back."""

    __tablename__ = "kbot_room_sends"
    __table_args__ = (
        Index("ix_kbot_room_sends_room_started", "room_id", "started_at"),
        Index("ix_kbot_room_sends_occurrence_id", "occurrence_id"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # scheduled | manual | test
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    occurrence_id: Mapped[int | None] = mapped_column(BigInteger)


class Receipt(Base):
    """One part of a send handed to an Iris device, waiting for (or matched to) the bot's own
    echo of it: the delivery receipt. ``state``: ``sending`` (on the wire), ``pending``
    (accepted by Iris, echo not seen yet), ``confirmed``, ``unconfirmed`` (no echo within
    ``bot.confirm_timeout_s``; a late echo still upgrades it) or ``failed`` (Iris refused or
    never answered). ``text_key`` is the hash of the normalised text (images: None).
    Times are naive UTC."""

    __tablename__ = "kbot_receipts"
    __table_args__ = (
        Index("ix_kbot_receipts_match", "room_id", "kind", "state"),
        Index("ix_kbot_receipts_device_sent", "device", "sent_at"),
        Index("ix_kbot_receipts_state_due", "state", "due_at"),
        Index("ix_kbot_receipts_occurrence", "occurrence_id", "part_index"),
        Index("ix_kbot_receipts_log_id", "log_id"),
        UniqueConstraint("echo_id", name="uq_kbot_receipts_echo_id"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int | None] = mapped_column(BigInteger)
    log_id: Mapped[int | None] = mapped_column(Integer)
    part_index: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    device: Mapped[str] = mapped_column(String(50), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # text | image
    text_key: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    echo_id: Mapped[str | None] = mapped_column(String(32))


class DeviceState(Base):
    """An Iris device's breaker, shared by every kbot process: paused until ``paused_until``
    after ``trips`` trips; ``resumed_at`` is when the last pause ended (the breaker counts
    parts sent after it), ``recovery_told`` whether that end has been announced."""

    __tablename__ = "kbot_devices"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    paused_until: Mapped[datetime | None] = mapped_column(DateTime)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime)
    recovery_told: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    trips: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class DeviceSend(Base):
    """The per-device send ledger behind the account budgets (``max_per_minute`` ...): one row
    per request a device was allowed to send, kept a day."""

    __tablename__ = "kbot_device_sends"
    __table_args__ = (
        Index("ix_kbot_device_sends_device_sent", "device", "sent_at"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    device: Mapped[str] = mapped_column(String(50), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC


class RoomDevice(Base):
    """A device whose KakaoTalk account is known to be in a room: ``seen`` (an event of the
    room came through that device's webhook URL) or ``operator`` (``kbot room add --standby``)."""

    __tablename__ = "kbot_room_devices"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    room_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    device: Mapped[str] = mapped_column(String(50), primary_key=True)
    source: Mapped[str] = mapped_column(String(10), nullable=False)  # seen | operator
    seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
