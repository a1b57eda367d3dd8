"""Reports and live notices: replies to the bot's messages, room activity per hour, short
links and their clicks, the notices sent once, and each schedule's notice setting.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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
        "kbot_replies",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("reply_id", sa.String(length=32), nullable=False),
        sa.Column("src_echo_id", sa.String(length=32), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_replies")),
        sa.UniqueConstraint("reply_id", name="uq_kbot_replies_reply_id"),
        **MYSQL,
    )
    op.create_index("ix_kbot_replies_log_id", "kbot_replies", ["log_id"])
    op.create_index(
        "ix_kbot_replies_schedule_replied", "kbot_replies", ["schedule_id", "replied_at"]
    )
    op.create_table(
        "kbot_room_activity",
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("messages", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("room_id", "hour", name=op.f("pk_kbot_room_activity")),
        **MYSQL,
    )
    op.create_table(
        "kbot_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_links")),
        sa.UniqueConstraint("code", name="uq_kbot_links_code"),
        sa.UniqueConstraint("schedule_id", "room_id", "url_hash", name="uq_kbot_links_target"),
        **MYSQL,
    )
    op.create_table(
        "kbot_link_clicks",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("clicked_at", sa.DateTime(), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["kbot_links.id"],
            name=op.f("fk_kbot_link_clicks_link_id_kbot_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_link_clicks")),
        **MYSQL,
    )
    op.create_index(
        "ix_kbot_link_clicks_link_clicked", "kbot_link_clicks", ["link_id", "clicked_at"]
    )
    op.create_index(
        "ix_kbot_link_clicks_visitor", "kbot_link_clicks", ["link_id", "visitor", "clicked_at"]
    )
    op.create_table(
        "kbot_notices",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kbot_notices")),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_schedule_meta") as batch:
        batch.add_column(sa.Column("notify", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kbot_schedule_meta") as batch:
        batch.drop_column("notify")
    op.drop_table("kbot_notices")
    op.drop_table("kbot_link_clicks")
    op.drop_table("kbot_links")
    op.drop_table("kbot_room_activity")
    op.drop_table("kbot_replies")
