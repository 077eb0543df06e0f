"""course owners: the organisation whose instructors brought a course in (none: the shared library)

Revision ID: 0009_course_owner
Revises: 0002_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_course_owner"
down_revision = "0002_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_owner",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"]),
        sa.PrimaryKeyConstraint("course_id"),
    )
    op.create_index("ix_course_owner_platform_id", "course_owner", ["platform_id"])


def downgrade() -> None:
    op.drop_table("course_owner")
