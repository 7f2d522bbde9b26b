"""mining: topics mined from solved tickets, and which tickets are their evidence

Revision ID: t0007
Revises: t0006
Create Date: 2026-11-27 12:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = 't0007'
down_revision = 't0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mined_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('draft', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=True),
    sa.Column('acted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acted_by_id'], ['user_account.id'], name=op.f('fk_mined_topic_acted_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_mined_topic_article_id_article'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mined_topic'))
    )
    op.create_index(op.f('ix_mined_topic_state'), 'mined_topic', ['state'], unique=False)
    op.create_table('mined_ticket',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_mined_ticket_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['mined_topic.id'], name=op.f('fk_mined_ticket_topic_id_mined_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_mined_ticket'))
    )
    op.create_index(op.f('ix_mined_ticket_topic_id'), 'mined_ticket', ['topic_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mined_ticket_topic_id'), table_name='mined_ticket')
    op.drop_table('mined_ticket')
    op.drop_index(op.f('ix_mined_topic_state'), table_name='mined_topic')
    op.drop_table('mined_topic')
