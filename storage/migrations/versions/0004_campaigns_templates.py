"""Campaigns (one message to many rooms, one ``kb_schedule`` row per room tied together) and
saved message templates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MYSQL: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
    "mysql_engine": "InnoDB",
}


def upgrade() -> None:
    op.create_table(
        "kbot_campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("creator_admin_id", sa.Integer(), nullable=True),
        sa.Column("target_org_id", sa.Integer(), nullable=True),
        sa.Column("spread_s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("base_time", sa.Time(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["kbot_orgs.id"],
            name=op.f("fk_kbot_campaigns_owner_org_id_kbot_orgs"),
        ),
        sa.ForeignKeyConstraint(
            ["target_org_id"],
            ["kbot_orgs.id"],
            name=op.f("fk_kbot_campaigns_target_org_id_kbot_orgs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_campaigns")),
        sqlite_autoincrement=True,
        **MYSQL,
    )
    op.create_table(
        "kbot_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_admin_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["kbot_orgs.id"], name=op.f("fk_kbot_templates_org_id_kbot_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kbot_templates")),
        sa.UniqueConstraint("org_id", "name", name="uq_kbot_templates_org_name"),
        **MYSQL,
    )
    with op.batch_alter_table("kbot_schedule_meta", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_kbot_schedule_meta_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_kbot_schedule_meta_campaign_id_kbot_campaigns"),
            "kbot_campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("kbot_schedule_meta", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_kbot_schedule_meta_campaign_id_kbot_campaigns"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_kbot_schedule_meta_campaign_id"))
        batch_op.drop_column("campaign_id")
    op.drop_table("kbot_templates")
    op.drop_table("kbot_campaigns")
