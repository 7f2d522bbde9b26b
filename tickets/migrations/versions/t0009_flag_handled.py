"""the editors' feedback queue: when a flagged article link was handled, and by whom

Revision ID: t0009
Revises: t0006
Create Date: 2026-11-27 12:30:00
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = 't0009'
down_revision = 't0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing points at ticket_article, so a batch (copy and swap on SQLite) loses nothing.
    with op.batch_alter_table('ticket_article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', kb_service.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ticket_article_handled_by_id_user_account'), 'user_account', ['handled_by_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('ticket_article', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_article_handled_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('handled_by_id')
        batch_op.drop_column('handled_at')
