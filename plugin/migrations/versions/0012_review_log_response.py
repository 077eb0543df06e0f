"""review answers are kept with their review: the result page shown after answering (and on a reload)
words its feedback from the stored answer, so the answer never travels in a URL

Revision ID: 0012_review_log_response
Revises: 0005_skills
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_review_log_response"
down_revision = "0005_skills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_log", sa.Column("response", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("review_log", "response")
