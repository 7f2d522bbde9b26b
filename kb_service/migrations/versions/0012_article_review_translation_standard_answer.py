"""articles' review-by date, translation key and standard-answer mark

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 12:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines: a batch (copy and drop) of `article` on SQLite would
    # fire ON DELETE CASCADE on its versions, links and views.
    op.add_column('article', sa.Column('review_by', sa.Date(), nullable=True))
    op.add_column('article', sa.Column('translation_key', sa.String(length=100), nullable=True))
    op.add_column(
        'article',
        sa.Column('standard_answer', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(op.f('ix_article_review_by'), 'article', ['review_by'], unique=False)
    op.create_index(
        op.f('ix_article_translation_key'), 'article', ['translation_key'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_article_translation_key'), table_name='article')
    op.drop_index(op.f('ix_article_review_by'), table_name='article')
    for column in ('standard_answer', 'translation_key', 'review_by'):
        op.execute(f'ALTER TABLE article DROP COLUMN {column}')
