"""launch sessions indexed by LMS course: the roster page lists who launched from a course, and deleting
a course's context cascades to its sessions without scanning them all

Revision ID: 0010_launch_session_context
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0010_launch_session_context"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_launch_session_context_pk", "launch_session", ["context_pk"])


def downgrade() -> None:
    op.drop_index("ix_launch_session_context_pk", table_name="launch_session")
