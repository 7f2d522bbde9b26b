"""an index for the newest outbox event of a topic

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-27 22:10:00
"""

from alembic import op

revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_event_topic_id', ['topic', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_event_topic_id')
