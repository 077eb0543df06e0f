"""outbox and xapi: outbox messages, LRS destinations, the local statement log

Revision ID: 0003_outbox
Revises: 0001
Create Date: 2026-11-26 12:01:59.895959
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db


revision = '0003_outbox'
down_revision = '0001'
branch_labels = ('outbox',)
depends_on = None


def upgrade() -> None:
    op.create_table('lrs_destination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('username', sa.String(length=500), nullable=False),
    sa.Column('password_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('xapi_version', sa.String(length=10), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('deployment_id', sa.String(length=255), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'deployment_id', name='uq_lrs_scope')
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('destination', sa.String(length=1000), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_attention', ['kind', 'status'], unique=False, postgresql_where=sa.text("status IN ('parked', 'held')"), sqlite_where=sa.text("status IN ('parked', 'held')"))
        batch_op.create_index('ix_outbox_claim', ['claim_token'], unique=False, postgresql_where=sa.text('claim_token IS NOT NULL'), sqlite_where=sa.text('claim_token IS NOT NULL'))
        batch_op.create_index('ix_outbox_due', ['next_attempt_at', 'id'], unique=False, postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'"))

    op.create_table('xapi_platform_settings',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('actor_identifier', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id')
    )
    op.create_table('xapi_statement',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('verb', sa.String(length=30), nullable=False),
    sa.Column('course_iri', sa.String(length=1000), nullable=True),
    sa.Column('object_iri', sa.String(length=1000), nullable=False),
    sa.Column('timestamp', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_statement_course_iri'), ['course_iri'], unique=False)
        batch_op.create_index('ix_xapi_statement_platform_time', ['platform_id', 'timestamp'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statement_timestamp'), ['timestamp'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statement_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statement_verb'), ['verb'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_statement_verb'))
        batch_op.drop_index(batch_op.f('ix_xapi_statement_user_id'))
        batch_op.drop_index(batch_op.f('ix_xapi_statement_timestamp'))
        batch_op.drop_index('ix_xapi_statement_platform_time')
        batch_op.drop_index(batch_op.f('ix_xapi_statement_course_iri'))

    op.drop_table('xapi_statement')
    op.drop_table('xapi_platform_settings')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due', postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'"))
        batch_op.drop_index('ix_outbox_claim', postgresql_where=sa.text('claim_token IS NOT NULL'), sqlite_where=sa.text('claim_token IS NOT NULL'))
        batch_op.drop_index('ix_outbox_attention', postgresql_where=sa.text("status IN ('parked', 'held')"), sqlite_where=sa.text("status IN ('parked', 'held')"))

    op.drop_table('outbox_message')
    op.drop_table('lrs_destination')
