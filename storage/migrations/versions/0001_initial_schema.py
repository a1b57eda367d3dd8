"""Initial schema: the seed's two tables and kbot's own.

On MySQL/MariaDB the seed's tables are created from the seed's DDL verbatim (``IF NOT EXISTS``),
so a database where the PHP site already applied that DDL is adopted as it is: its rows are
neither rewritten nor lost. Elsewhere (SQLite) they are created from equivalent definitions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.migrations.seed_tables_0001 import (
    SEED_KB_SCHEDULE,
    SEED_KB_SCHEDULE_LOGS,
    create_seed_tables,
)
from storage.types import WeekdaySet

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MYSQL: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
    "mysql_engine": "InnoDB",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name in ("mysql", "mariadb"):
        op.execute(SEED_KB_SCHEDULE)
        op.execute(SEED_KB_SCHEDULE_LOGS)
    elif not sa.inspect(bind).has_table("kb_schedule"):
        create_seed_tables()
    _create_kbot_tables()


def _create_kbot_tables() -> None:
    op.create_table(
        "kbot_orgs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "headquarters",
                "distributor",
                "agency",
                "branch",
                name="org_type",
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["kbot_orgs.id"], name=op.f("fk_kbot_orgs_parent_id_kbot_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_orgs")),
        sa.UniqueConstraint("code", name=op.f("uq_kbot_orgs_code")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_orgs", schema=None) as batch_op:
        batch_op.create_index("ix_kbot_orgs_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "kbot_admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kakao_user_id", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("mb_id", sa.String(length=50), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["kbot_orgs.id"], name=op.f("fk_kbot_admins_org_id_kbot_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_admins")),
        sa.UniqueConstraint("kakao_user_id", name=op.f("uq_kbot_admins_kakao_user_id")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_admins", schema=None) as batch_op:
        batch_op.create_index("ix_kbot_admins_org_id", ["org_id"], unique=False)

    op.create_table(
        "kbot_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "room_type",
            sa.Enum("live", "test", name="room_type", create_constraint=True),
            server_default="live",
            nullable=False,
        ),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=50), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["kbot_orgs.id"], name=op.f("fk_kbot_rooms_org_id_kbot_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_rooms")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_kbot_rooms_chat_id")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_rooms", schema=None) as batch_op:
        batch_op.create_index("ix_kbot_rooms_org_id", ["org_id"], unique=False)

    op.create_table(
        "kbot_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=False),
        sa.Column("file_url", sa.String(length=500), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("mime_type", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("upload_date", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["kbot_orgs.id"], name=op.f("fk_kbot_images_org_id_kbot_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["kbot_admins.id"], name=op.f("fk_kbot_images_uploaded_by_kbot_admins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_images")),
        sa.UniqueConstraint("filename", name=op.f("uq_kbot_images_filename")),
        sa.UniqueConstraint("org_id", "sha256", name="uq_kbot_images_org_sha256"),
        **MYSQL,
    )

    op.create_table(
        "kbot_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["kbot_admins.id"],
            name=op.f("fk_kbot_api_tokens_admin_id_kbot_admins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kbot_api_tokens_token_hash")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kbot_api_tokens_admin_id"), ["admin_id"], unique=False)

    op.create_table(
        "kbot_one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["kbot_admins.id"],
            name=op.f("fk_kbot_one_time_codes_admin_id_kbot_admins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_one_time_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_kbot_one_time_codes_code_hash")),
        **MYSQL,
    )

    op.create_table(
        "kbot_audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_admin_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_audit_log")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_kbot_audit_log_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "kbot_schedule_meta",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("creator_admin_id", sa.Integer(), nullable=True),
        sa.Column("notify_room_id", sa.String(length=100), nullable=True),
        sa.Column("test_room_id", sa.String(length=100), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["kb_schedule.id"],
            name=op.f("fk_kbot_schedule_meta_schedule_id_kb_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_kbot_schedule_meta")),
        **MYSQL,
    )

    op.create_table(
        "kbot_occurrences",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_room_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("parts_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("parts_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["kb_schedule.id"],
            name=op.f("fk_kbot_occurrences_schedule_id_kb_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_occurrences")),
        sa.UniqueConstraint("schedule_id", "scheduled_at", "kind", name="uq_kbot_occurrence"),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_occurrences", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kbot_occurrences_room_started", ["target_room_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_kbot_occurrences_state_lease", ["state", "lease_expires_at"], unique=False
        )


def downgrade() -> None:
    for table in (
        "kbot_occurrences",
        "kbot_schedule_meta",
        "kbot_audit_log",
        "kbot_one_time_codes",
        "kbot_api_tokens",
        "kbot_images",
        "kbot_rooms",
        "kbot_admins",
        "kbot_orgs",
    ):
        op.drop_table(table)
    # The seed's tables belong to the PHP site too: downgrade leaves them in place.
