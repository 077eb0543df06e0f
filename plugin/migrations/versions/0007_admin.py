"""admin console: local admin accounts, console sessions, failed sign-ins

Revision ID: 0007_admin
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0007_admin"
down_revision = "0001"
branch_labels = ("admin",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "admin_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admin_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_admin_session_admin_id", "admin_session", ["admin_id"])
    op.create_index("ix_admin_session_expires_at", "admin_session", ["expires_at"])
    op.create_table(
        "admin_login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("failed_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_login_failure_account", "admin_login_failure", ["account_key", "failed_at"])
    op.create_index("ix_admin_login_failure_ip", "admin_login_failure", ["ip", "failed_at"])


def downgrade() -> None:
    op.drop_table("admin_login_failure")
    op.drop_table("admin_session")
    op.drop_table("admin_account")
