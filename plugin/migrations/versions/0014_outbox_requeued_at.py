"""outbox: when a parked or held message was queued again, so its give-up window starts then

Revision ID: 0014_outbox_requeued_at
Revises: 0003_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0014_outbox_requeued_at"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox_message", sa.Column("requeued_at", plugin.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("requeued_at")
