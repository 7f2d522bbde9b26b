"""an index for the newest published articles

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:15:00
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.create_index('ix_article_status_updated_at', ['status', 'updated_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index('ix_article_status_updated_at')
