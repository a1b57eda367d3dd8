"""The seed's two tables (``kb_schedule``, ``kb_schedule_logs``) as revision 0001 creates them:
the seed's DDL verbatim for MySQL/MariaDB, equivalent definitions for SQLite.

This is migration history, split out of ``versions/0001_initial_schema.py`` only to keep
modules short: never edit it (a later schema change is a new revision).
"""

# ruff: noqa: E501, W293  (the seed DDL is kept verbatim)

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import WeekdaySet

SEED_KB_SCHEDULE = """
CREATE TABLE IF NOT EXISTS `kb_schedule` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(255) NOT NULL COMMENT '스케줄 제목',
  `description` text COMMENT '스케줄 설명',
  
  -- 발송 주체 정보
  `created_by_type` enum('headquarters','distributor','agency','branch') NOT NULL COMMENT '등록자 타입',
  `created_by_id` varchar(50) NOT NULL COMMENT '등록자 ID (dt_id, ag_id, br_id)',
  `created_by_mb_id` varchar(50) NOT NULL COMMENT '등록한 관리자 회원 ID',
  
  -- 발송 대상 정보
  `target_room_id` varchar(100) NOT NULL COMMENT '대상 톡방 ID',
  `target_room_type` enum('live','test') DEFAULT 'live' COMMENT '톡방 타입',
  
  -- 메시지 내용
  `message_text` text COMMENT '텍스트 메시지',
  `message_images` json COMMENT '이미지 파일 정보 배열',
  `send_order` enum('text_first','images_first','images_only','text_only') DEFAULT 'text_first' COMMENT '발송 순서',
  `send_interval_seconds` int(5) DEFAULT 1 COMMENT '메시지간 발송 간격(초)',
  
  -- 스케줄링 설정
  `schedule_type` enum('once','weekly','daily') NOT NULL COMMENT '스케줄 타입',
  `schedule_date` date NULL COMMENT '1회성 발송 날짜',
  `schedule_time` time NOT NULL COMMENT '발송 시간',
  `schedule_weekdays` set('monday','tuesday','wednesday','thursday','friday','saturday','sunday') NULL COMMENT '반복 발송 요일',
  
  -- 유효기간 설정
  `valid_from` datetime NOT NULL COMMENT '유효기간 시작',
  `valid_until` datetime NOT NULL COMMENT '유효기간 종료',
  
  -- 상태 관리
  `status` enum('active','inactive','completed','error') DEFAULT 'active' COMMENT '스케줄 상태',
  `last_sent_at` datetime NULL COMMENT '마지막 발송 시간',
  `next_send_at` datetime NULL COMMENT '다음 발송 예정 시간',
  `send_count` int(11) DEFAULT 0 COMMENT '총 발송 횟수',
  
  -- 시스템 필드
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  
  PRIMARY KEY (`id`),
  KEY `idx_schedule_polling` (`status`, `next_send_at`, `valid_from`, `valid_until`),
  KEY `idx_created_by` (`created_by_type`, `created_by_id`),
  KEY `idx_target_room` (`target_room_id`, `target_room_type`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='카카오봇 스케줄링 발송 설정';
"""

SEED_KB_SCHEDULE_LOGS = """
CREATE TABLE IF NOT EXISTS `kb_schedule_logs` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `schedule_id` int(11) NOT NULL COMMENT '스케줄 ID',
  `target_room_id` varchar(100) NOT NULL COMMENT '발송 대상 톡방 ID',
  
  -- 발송 내용
  `sent_message_text` text COMMENT '발송된 텍스트',
  `sent_images` json COMMENT '발송된 이미지 정보',
  `send_order` enum('text_first','images_first','images_only','text_only') COMMENT '발송 순서',
  
  -- 발송 결과
  `status` enum('success','failed','partial') NOT NULL COMMENT '발송 상태',
  `error_message` text COMMENT '오류 메시지',
  `api_response` json COMMENT 'API 응답 데이터',
  
  -- 발송 시간 정보
  `scheduled_at` datetime NOT NULL COMMENT '예정 발송 시간',
  `started_at` datetime NOT NULL COMMENT '발송 시작 시간',
  `completed_at` datetime NULL COMMENT '발송 완료 시간',
  `duration_ms` int(11) COMMENT '발송 소요 시간(밀리초)',
  
  -- 시스템 필드
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  
  PRIMARY KEY (`id`),
  KEY `fk_schedule_logs_schedule` (`schedule_id`),
  KEY `idx_target_room_logs` (`target_room_id`),
  KEY `idx_status_time` (`status`, `scheduled_at`),
  CONSTRAINT `fk_schedule_logs_schedule` FOREIGN KEY (`schedule_id`) REFERENCES `kb_schedule` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='카카오봇 스케줄링 발송 로그';
"""


def create_seed_tables() -> None:
    op.create_table(
        "kb_schedule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_by_type",
            sa.Enum(
                "headquarters",
                "distributor",
                "agency",
                "branch",
                name="created_by_type",
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.String(length=50), nullable=False),
        sa.Column("created_by_mb_id", sa.String(length=50), nullable=False),
        sa.Column("target_room_id", sa.String(length=100), nullable=False),
        sa.Column(
            "target_room_type",
            sa.Enum("live", "test", name="target_room_type", create_constraint=True),
            server_default="live",
            nullable=True,
        ),
        sa.Column("message_text", sa.Text(), nullable=True),
        sa.Column("message_images", sa.JSON(), nullable=True),
        sa.Column(
            "send_order",
            sa.Enum(
                "text_first",
                "images_first",
                "images_only",
                "text_only",
                name="send_order",
                create_constraint=True,
            ),
            server_default="text_first",
            nullable=True,
        ),
        sa.Column("send_interval_seconds", sa.Integer(), server_default="1", nullable=True),
        sa.Column(
            "schedule_type",
            sa.Enum("once", "weekly", "daily", name="schedule_type", create_constraint=True),
            nullable=False,
        ),
        sa.Column("schedule_date", sa.Date(), nullable=True),
        sa.Column("schedule_time", sa.Time(), nullable=False),
        sa.Column("schedule_weekdays", WeekdaySet(), nullable=True),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active", "inactive", "completed", "error", name="status", create_constraint=True
            ),
            server_default="active",
            nullable=True,
        ),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.Column("next_send_at", sa.DateTime(), nullable=True),
        sa.Column("send_count", sa.Integer(), server_default="0", nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_schedule")),
        comment="카카오봇 스케줄링 발송 설정",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("kb_schedule", schema=None) as batch_op:
        batch_op.create_index("idx_created_by", ["created_by_type", "created_by_id"], unique=False)
        batch_op.create_index(
            "idx_schedule_polling",
            ["status", "next_send_at", "valid_from", "valid_until"],
            unique=False,
        )
        batch_op.create_index(
            "idx_target_room", ["target_room_id", "target_room_type"], unique=False
        )

    op.create_table(
        "kb_schedule_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("target_room_id", sa.String(length=100), nullable=False),
        sa.Column("sent_message_text", sa.Text(), nullable=True),
        sa.Column("sent_images", sa.JSON(), nullable=True),
        sa.Column(
            "send_order",
            sa.Enum(
                "text_first",
                "images_first",
                "images_only",
                "text_only",
                name="log_send_order",
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum("success", "failed", "partial", name="log_status", create_constraint=True),
            nullable=False,
        ),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("api_response", sa.JSON(), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["kb_schedule.id"],
            name="fk_schedule_logs_schedule",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_schedule_logs")),
        comment="카카오봇 스케줄링 발송 로그",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("kb_schedule_logs", schema=None) as batch_op:
        batch_op.create_index("fk_schedule_logs_schedule", ["schedule_id"], unique=False)
        batch_op.create_index("idx_status_time", ["status", "scheduled_at"], unique=False)
        batch_op.create_index("idx_target_room_logs", ["target_room_id"], unique=False)
