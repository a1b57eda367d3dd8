"""The per-room send ledger and the admins' web session epoch.

``kbot_room_sends`` keeps one row per send slot handed out to a room, with no foreign key, so
the room limits survive deleting or editing a schedule. It starts with the slots already
recorded on ``kbot_occurrences``. ``kbot_admins.session_epoch`` lets logout and deactivation
end every web session of an admin at once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci", "mysql_engine": "InnoDB"}


def upgrade() -> None:
    op.create_table(
        "kbot_room_sends",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_room_sends")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_room_sends", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kbot_room_sends_room_started", ["room_id", "started_at"], unique=False
        )
        batch_op.create_index("ix_kbot_room_sends_occurrence_id", ["occurrence_id"], unique=False)
    op.execute(
        "INSERT INTO kbot_room_sends (room_id, started_at, kind, schedule_id, occurrence_id)"
        " SELECT target_room_id, started_at, kind, schedule_id, id FROM kbot_occurrences"
        " WHERE started_at IS NOT NULL"
    )
    with op.batch_alter_table("kbot_admins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("kbot_admins", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
    op.drop_table("kbot_room_sends")
