"""catalog, progress and API tokens

Revision ID: 0002_catalog
Revises: 0001
Create Date: 2026-11-26 12:02:54.389580
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db


revision = '0002_catalog'
down_revision = '0001'
branch_labels = ('catalog',)
depends_on = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('latest_version_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('course_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('completion_rule', sa.JSON(), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('published_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('course_id', 'number', name='uq_course_version_number')
    )
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_version_course_id'), ['course_id'], unique=False)
    # course <-> course_version refer to each other: the course's FK is added once both tables exist.
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_course_latest_version', 'course_version', ['latest_version_id'], ['id'])

    op.create_table('course_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'path', name='uq_asset_path')
    )
    with op.batch_alter_table('course_asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_asset_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_asset_version_id'), ['version_id'], unique=False)

    op.create_table('course_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('prerequisites', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'key', name='uq_module_key')
    )
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_module_version_id'), ['version_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('started_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('last_nugget_key', sa.String(length=100), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('last_seen_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'user_id', 'version_id', name='uq_enrolment_learner_version')
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index('ix_enrolment_learner_course', ['platform_id', 'user_id', 'course_id'], unique=False)

    op.create_table('nugget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('mastery_score', sa.Float(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('prerequisites', sa.JSON(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('blocks', sa.JSON(), nullable=False),
    sa.Column('source_path', sa.String(length=300), nullable=False),
    sa.Column('front_matter', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'key', name='uq_nugget_key')
    )
    with op.batch_alter_table('nugget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nugget_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nugget_version_id'), ['version_id'], unique=False)

    op.create_table('nugget_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nugget_id', sa.Integer(), nullable=False),
    sa.Column('nugget_key', sa.String(length=100), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('opened_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('last_seen_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('carried_over', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nugget_id'], ['nugget.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enrolment_id', 'nugget_key', name='uq_nugget_progress')
    )
    with op.batch_alter_table('nugget_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nugget_progress_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('quiz_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nugget_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('prompt_html', sa.Text(), nullable=False),
    sa.Column('explanation_html', sa.Text(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['nugget_id'], ['nugget.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nugget_id', 'key', name='uq_quiz_item_key')
    )
    with op.batch_alter_table('quiz_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_item_nugget_id'), ['nugget_id'], unique=False)

    op.create_table('item_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('progress_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=100), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('answered_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['progress_id'], ['nugget_progress.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('progress_id', 'attempt', 'item_key', name='uq_item_response')
    )
    with op.batch_alter_table('item_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_response_progress_id'), ['progress_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('item_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_response_progress_id'))

    op.drop_table('item_response')
    with op.batch_alter_table('quiz_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_item_nugget_id'))

    op.drop_table('quiz_item')
    with op.batch_alter_table('nugget_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nugget_progress_enrolment_id'))

    op.drop_table('nugget_progress')
    with op.batch_alter_table('nugget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nugget_version_id'))
        batch_op.drop_index(batch_op.f('ix_nugget_module_id'))

    op.drop_table('nugget')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolment_learner_course')

    op.drop_table('enrolment')
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_module_version_id'))

    op.drop_table('course_module')
    with op.batch_alter_table('course_asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_asset_version_id'))
        batch_op.drop_index(batch_op.f('ix_course_asset_sha256'))

    op.drop_table('course_asset')
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_version_course_id'))

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_constraint('fk_course_latest_version', type_='foreignkey')
    op.drop_table('course_version')
    op.drop_table('course')
    op.drop_table('api_token')
