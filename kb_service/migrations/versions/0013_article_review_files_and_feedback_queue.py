"""articles' review steps and files; the feedback queue's handled mark

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 12:30:00
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('article_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=24), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_review_article_id_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_article_review_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_article_review_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_review'))
    )
    op.create_index(op.f('ix_article_review_article_id'), 'article_review', ['article_id'], unique=False)
    op.create_index(op.f('ix_article_review_reviewer_id'), 'article_review', ['reviewer_id'], unique=False)
    op.create_table('article_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_file_article_id_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_article_file_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_file'))
    )
    op.create_index(op.f('ix_article_file_article_id'), 'article_file', ['article_id'], unique=False)
    # Nothing points at article_feedback, so a batch (copy and swap on SQLite) loses nothing.
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', kb_service.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_article_feedback_handled_by_id_user_account'), 'user_account', ['handled_by_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_article_feedback_handled_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('handled_by_id')
        batch_op.drop_column('handled_at')
    op.drop_index(op.f('ix_article_file_article_id'), table_name='article_file')
    op.drop_table('article_file')
    op.drop_index(op.f('ix_article_review_reviewer_id'), table_name='article_review')
    op.drop_index(op.f('ix_article_review_article_id'), table_name='article_review')
    op.drop_table('article_review')
