"""SQLAlchemy models of the seed's two tables, ``kb_schedule`` and ``kb_schedule_logs``.

Names, types, enum values, defaults and indexes follow the seed's DDL (section 3) exactly,
because the company's PHP site reads and may write the same tables. Their DATETIME columns
hold naive *local* time in the configured timezone. On MySQL/MariaDB the migration creates
them from the seed's verbatim DDL; these models are what kbot queries with, and what SQLite
gets.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import (
    LOG_STATUSES,
    ORG_TYPES,
    ROOM_TYPES,
    SCHEDULE_STATUSES,
    SCHEDULE_TYPES,
    SEND_ORDERS,
    WeekdaySet,
    enum,
)

NOW = text("CURRENT_TIMESTAMP")
# SQLite reuses a deleted row's id unless the table is AUTOINCREMENT (MySQL never does)
NO_ID_REUSE = {"sqlite_autoincrement": True}
MYSQL_TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Schedule(Base):
    __tablename__ = "kb_schedule"
    __table_args__ = (
        Index("idx_schedule_polling", "status", "next_send_at", "valid_from", "valid_until"),
        Index("idx_created_by", "created_by_type", "created_by_id"),
        Index("idx_target_room", "target_room_id", "target_room_type"),
        {**MYSQL_TABLE_ARGS, **NO_ID_REUSE, "comment": "카카오봇 스케줄링 발송 설정"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_by_type: Mapped[str] = mapped_column(enum(*ORG_TYPES, name="created_by_type"))
    created_by_id: Mapped[str] = mapped_column(String(50), nullable=False)
    created_by_mb_id: Mapped[str] = mapped_column(String(50), nullable=False)
    target_room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    target_room_type: Mapped[str | None] = mapped_column(
        enum(*ROOM_TYPES, name="target_room_type"), default="live", server_default="live"
    )
    message_text: Mapped[str | None] = mapped_column(Text)
    message_images: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    send_order: Mapped[str | None] = mapped_column(
        enum(*SEND_ORDERS, name="send_order"), default="text_first", server_default="text_first"
    )
    send_interval_seconds: Mapped[int | None] = mapped_column(
        Integer, default=1, server_default="1"
    )
    schedule_type: Mapped[str] = mapped_column(enum(*SCHEDULE_TYPES, name="schedule_type"))
    schedule_date: Mapped[date | None] = mapped_column(Date)
    schedule_time: Mapped[time] = mapped_column(Time, nullable=False)
    schedule_weekdays: Mapped[frozenset[str] | None] = mapped_column(WeekdaySet)
    valid_from: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    valid_until: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    status: Mapped[str | None] = mapped_column(
        enum(*SCHEDULE_STATUSES, name="status"), default="active", server_default="active"
    )
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_send_at: Mapped[datetime | None] = mapped_column(DateTime)
    send_count: Mapped[int | None] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)


class ScheduleLog(Base):
    __tablename__ = "kb_schedule_logs"
    __table_args__ = (
        Index("fk_schedule_logs_schedule", "schedule_id"),
        Index("idx_target_room_logs", "target_room_id"),
        Index("idx_status_time", "status", "scheduled_at"),
        {**MYSQL_TABLE_ARGS, **NO_ID_REUSE, "comment": "카카오봇 스케줄링 발송 로그"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("kb_schedule.id", ondelete="CASCADE", name="fk_schedule_logs_schedule"),
        nullable=False,
    )
    target_room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    sent_message_text: Mapped[str | None] = mapped_column(Text)
    sent_images: Mapped[Any | None] = mapped_column(JSON)
    send_order: Mapped[str | None] = mapped_column(enum(*SEND_ORDERS, name="log_send_order"))
    status: Mapped[str] = mapped_column(enum(*LOG_STATUSES, name="log_status"), nullable=False)
    error_message: Mapped[str | None] = mapped_column(Text)
    api_response: Mapped[Any | None] = mapped_column(JSON)
    scheduled_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)
