"""skills, plan, review: frameworks, role profiles, estimates, learning plans, review cards

Revision ID: 0005_skills
Revises: 0002_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plugin.db

revision = "0005_skills"
down_revision = "0002_catalog"
branch_labels = ("skills",)
depends_on = None


def upgrade() -> None:
    op.create_table('skill_framework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('source_format', sa.String(length=20), nullable=False),
    sa.Column('uri', sa.String(length=1000), nullable=True),
    sa.Column('imported_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('role_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'key', name='uq_role_profile_key')
    )
    op.create_table('skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=1000), nullable=False),
    sa.Column('code', sa.String(length=200), nullable=True),
    sa.Column('label', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['skill_framework.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['skill.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('framework_id', 'uri', name='uq_skill_uri')
    )
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_skill_framework_id'), ['framework_id'], unique=False)
        batch_op.create_index('ix_skill_uri', ['uri'], unique=False)

    op.create_table('learner_role',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('chosen_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['role_profile.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'user_id')
    )
    with op.batch_alter_table('learner_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_role_role_id'), ['role_id'], unique=False)

    op.create_table('learning_day',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=False),
    sa.Column('nuggets', sa.Integer(), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'user_id', 'day')
    )
    op.create_table('learning_plan',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekly_minutes', sa.Integer(), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('slot', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('feed_token_hash', sa.String(length=64), nullable=True),
    sa.Column('updated_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'user_id'),
    sa.UniqueConstraint('feed_token_hash')
    )
    op.create_table('nugget_completion',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('nugget_key', sa.String(length=100), nullable=False),
    sa.Column('completed_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'user_id', 'course_id', 'nugget_key')
    )
    op.create_table('role_skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name='ck_role_skill_level'),
    sa.ForeignKeyConstraint(['role_id'], ['role_profile.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('role_id', 'skill_id', name='uq_role_skill')
    )
    with op.batch_alter_table('role_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_skill_role_id'), ['role_id'], unique=False)

    op.create_table('skill_estimate',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('p_known', sa.Float(), nullable=False),
    sa.Column('self_level', sa.Integer(), nullable=True),
    sa.Column('answers_right', sa.Integer(), nullable=False),
    sa.Column('answers_wrong', sa.Integer(), nullable=False),
    sa.Column('nuggets_done', sa.Integer(), nullable=False),
    sa.Column('updated_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'user_id', 'skill_id')
    )
    op.create_table('skill_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=True),
    sa.Column('self_level', sa.Integer(), nullable=True),
    sa.Column('p_after', sa.Float(), nullable=False),
    sa.Column('nugget_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['nugget_id'], ['nugget.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('skill_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_skill_evidence_learner', ['platform_id', 'user_id', 'skill_id', 'id'], unique=False)

    op.create_table('review_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('nugget_key', sa.String(length=100), nullable=False),
    sa.Column('item_key', sa.String(length=100), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('stability', sa.Float(), nullable=True),
    sa.Column('difficulty', sa.Float(), nullable=True),
    sa.Column('due', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_review', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('lapses', sa.Integer(), nullable=False),
    sa.Column('shown_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['quiz_item.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'user_id', 'course_id', 'nugget_key', 'item_key', name='uq_review_card')
    )
    with op.batch_alter_table('review_card', schema=None) as batch_op:
        batch_op.create_index('ix_review_card_due', ['platform_id', 'user_id', 'due'], unique=False)

    op.create_table('review_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('reviewed_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['card_id'], ['review_card.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_log_card_id'), ['card_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_log_card_id'))

    op.drop_table('review_log')
    with op.batch_alter_table('review_card', schema=None) as batch_op:
        batch_op.drop_index('ix_review_card_due')

    op.drop_table('review_card')
    with op.batch_alter_table('skill_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_evidence_learner')

    op.drop_table('skill_evidence')
    op.drop_table('skill_estimate')
    with op.batch_alter_table('role_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_skill_role_id'))

    op.drop_table('role_skill')
    op.drop_table('nugget_completion')
    op.drop_table('learning_plan')
    op.drop_table('learning_day')
    with op.batch_alter_table('learner_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_role_role_id'))

    op.drop_table('learner_role')
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_uri')
        batch_op.drop_index(batch_op.f('ix_skill_framework_id'))
        batch_op.drop_index(batch_op.f('ix_skill_code'))

    op.drop_table('skill')
    op.drop_table('role_profile')
    op.drop_table('skill_framework')
