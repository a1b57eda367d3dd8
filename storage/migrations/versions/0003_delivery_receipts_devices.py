"""Delivery receipts (the bot's own echo of each sent part), the Iris devices' breaker state,
the per-device send ledger behind the account budgets, and which devices are known to be in
which rooms (standby failover).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MYSQL: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
    "mysql_engine": "InnoDB",
}
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kbot_receipts",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("occurrence_id", sa.BigInteger(), nullable=True),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("part_index", sa.Integer(), server_default="0", nullable=False),
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text_key", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("echo_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_receipts")),
        sa.UniqueConstraint("echo_id", name="uq_kbot_receipts_echo_id"),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_kbot_receipts_match", ["room_id", "kind", "state"])
        batch_op.create_index("ix_kbot_receipts_device_sent", ["device", "sent_at"])
        batch_op.create_index("ix_kbot_receipts_state_due", ["state", "due_at"])
        batch_op.create_index("ix_kbot_receipts_occurrence", ["occurrence_id", "part_index"])
        batch_op.create_index("ix_kbot_receipts_log_id", ["log_id"])
    op.create_table(
        "kbot_devices",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("pause_reason", sa.String(length=300), nullable=True),
        sa.Column("resumed_at", sa.DateTime(), nullable=True),
        sa.Column("recovery_told", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("trips", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_kbot_devices")),
        **MYSQL,
    )
    op.create_table(
        "kbot_device_sends",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("device", sa.String(length=50), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_device_sends")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_device_sends", schema=None) as batch_op:
        batch_op.create_index("ix_kbot_device_sends_device_sent", ["device", "sent_at"])
    op.create_table(
        "kbot_room_devices",
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("room_id", "device", name=op.f("pk_kbot_room_devices")),
        **MYSQL,
    )


def downgrade() -> None:
    op.drop_table("kbot_room_devices")
    op.drop_table("kbot_device_sends")
    op.drop_table("kbot_devices")
    op.drop_table("kbot_receipts")
