"""grades and roster: service tokens, AGS line items and score clocks, NRPS members

Revision ID: 0006_grades
Revises: 0002_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0006_grades"
down_revision = "0002_catalog"
branch_labels = ("grades",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_access_token",
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("token_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "ags_line_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("claimed_until", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_link_pk"], ["resource_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "resource_link_pk", name="uq_ags_line_item_link"),
    )
    op.create_table(
        "ags_score_clock",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_timestamp", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_link_pk"], ["resource_link.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["lms_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("platform_id", "resource_link_pk", "user_id"),
    )
    op.create_table(
        "roster_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_pk", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("synced_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["context_pk"], ["lms_context.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("context_pk", "subject", name="uq_roster_member"),
    )
    op.create_index("ix_roster_member_scope", "roster_member", ["platform_id", "context_pk"])
    op.create_table(
        "roster_sync",
        sa.Column("context_pk", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("synced_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["context_pk"], ["lms_context.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("context_pk"),
    )


def downgrade() -> None:
    op.drop_table("roster_sync")
    op.drop_index("ix_roster_member_scope", table_name="roster_member")
    op.drop_table("roster_member")
    op.drop_table("ags_score_clock")
    op.drop_table("ags_line_item")
    op.drop_table("service_access_token")
