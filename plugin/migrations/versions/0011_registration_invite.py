"""registration links: one-time invites an operator gives an LMS for dynamic registration

Revision ID: 0011_registration_invite
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0011_registration_invite"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by_platform_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["used_by_platform_id"], ["platform.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("registration_invite")
