"""credentials: achievements, course links, issuer keys, status lists, issued credentials

Revision ID: 0004_credentials
Revises: 0001
Create Date: 2026-11-26 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db


revision = '0004_credentials'
down_revision = '0001'
branch_labels = ('credentials',)
depends_on = None


def upgrade() -> None:
    op.create_table('achievement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('criteria_narrative', sa.Text(), nullable=False),
    sa.Column('achievement_type', sa.String(length=60), nullable=False),
    sa.Column('image_data', sa.LargeBinary(), nullable=True),
    sa.Column('image_type', sa.String(length=40), nullable=True),
    sa.Column('valid_for_days', sa.Integer(), nullable=True),
    sa.Column('alignments', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'key', name='uq_achievement_key'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievement_platform_id'), ['platform_id'], unique=False)

    op.create_table('achievement_course_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=True),
    sa.Column('course_slug', sa.String(length=200), nullable=True),
    sa.Column('course_title', sa.String(length=500), nullable=True),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('min_score', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('achievement_id', 'course_version_id', name='uq_achievement_course')
    )
    with op.batch_alter_table('achievement_course_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievement_course_link_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievement_course_link_course_version_id'), ['course_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievement_course_link_course_slug'), ['course_slug'], unique=False)

    op.create_table('credential_issuer_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('public_key_multibase', sa.String(length=100), nullable=False),
    sa.Column('private_key_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_key_multibase')
    )
    with op.batch_alter_table('credential_issuer_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_issuer_key_platform_id'), ['platform_id'], unique=False)

    op.create_table('credential_status_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('bits', sa.LargeBinary(), nullable=False),
    sa.Column('allocated', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=True),
    sa.Column('updated_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('credential_status_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_status_list_platform_id'), ['platform_id'], unique=False)

    op.create_table('issued_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('issued_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_from', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status_list_id', sa.Integer(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('revoked_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_list_id'], ['credential_status_list.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id'),
    sa.UniqueConstraint('status_list_id', 'status_index', name='uq_credential_status_index'),
    sa.UniqueConstraint('user_id', 'achievement_id', 'generation', name='uq_credential_generation')
    )
    with op.batch_alter_table('issued_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_credential_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_credential_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_credential_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('issued_credential')
    op.drop_table('credential_status_list')
    op.drop_table('credential_issuer_key')
    op.drop_table('achievement_course_link')
    op.drop_table('achievement')
