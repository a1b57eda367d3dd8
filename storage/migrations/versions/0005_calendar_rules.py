"""Days off added to or removed from the Korean public holidays (``kbot holiday``), and the
richer rules a schedule may have beyond the seed's columns (monthly, several times a day,
end after N, holiday policy, skip once, pause until a date).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MYSQL: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
    "mysql_engine": "InnoDB",
}


def upgrade() -> None:
    op.create_table(
        "kbot_holidays",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("off", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_kbot_holidays")),
        **MYSQL,
    )
    op.create_table(
        "kbot_schedule_rules",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("month_day", sa.SmallInteger(), nullable=True),
        sa.Column("month_last", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("month_nth", sa.SmallInteger(), nullable=True),
        sa.Column("month_weekday", sa.String(length=9), nullable=True),
        sa.Column("times", sa.String(length=200), nullable=True),
        sa.Column("holiday_policy", sa.String(length=24), nullable=True),
        sa.Column("max_sends", sa.Integer(), nullable=True),
        sa.Column("sends_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skip_at", sa.DateTime(), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("seed_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["kb_schedule.id"],
            name=op.f("fk_kbot_schedule_rules_schedule_id_kb_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_kbot_schedule_rules")),
        **MYSQL,
    )


def downgrade() -> None:
    op.drop_table("kbot_schedule_rules")
    op.drop_table("kbot_holidays")
