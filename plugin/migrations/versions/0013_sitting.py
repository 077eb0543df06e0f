"""sittings: a learner's time in one enrolment during one launch (initialized ... terminated)

Revision ID: 0013_sitting
Revises: 0002_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0013_sitting"
down_revision = "0002_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sitting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("launch_session_id", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("last_seen_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["launch_session_id"], ["launch_session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["lms_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrolment_id", "launch_session_id", "number", name="uq_sitting"),
    )
    op.create_index(op.f("ix_sitting_launch_session_id"), "sitting", ["launch_session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sitting_launch_session_id"), table_name="sitting")
    op.drop_table("sitting")
