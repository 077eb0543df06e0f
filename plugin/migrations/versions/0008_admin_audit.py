"""admin activity log: who changed what, and when

Revision ID: 0008_admin_audit
Revises: 0007_admin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0008_admin_audit"
down_revision = "0007_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_action_at", "admin_action", ["at"])
    op.create_index("ix_admin_action_platform_at", "admin_action", ["platform_id", "at"])


def downgrade() -> None:
    op.drop_table("admin_action")
