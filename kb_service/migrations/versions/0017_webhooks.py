"""webhooks and their deliveries

Revision ID: 0017
Revises: 0012
Create Date: 2026-11-27 13:00:00
"""

import sqlalchemy as sa
from alembic import op

from kb_service.db import UTCDateTime

revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None

UTC = UTCDateTime(timezone=True)
OUTBOX_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('after_event', OUTBOX_ID, nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ['created_by'], ['user_account.id'],
            name=op.f('fk_webhook_created_by_user_account'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook')),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('outbox_event_id', OUTBOX_ID, nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('next_attempt_at', UTC, nullable=False),
        sa.Column('claimed_by', sa.String(length=32), nullable=True),
        sa.Column('claimed_until', UTC, nullable=True),
        sa.Column('delivered_at', UTC, nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ['webhook_id'], ['webhook.id'],
            name=op.f('fk_webhook_delivery_webhook_id_webhook'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
        sa.UniqueConstraint(
            'outbox_event_id', 'webhook_id', name=op.f('uq_webhook_delivery_outbox_event_id')
        ),
    )
    op.create_index(
        'ix_webhook_delivery_due', 'webhook_delivery', ['status', 'next_attempt_at'], unique=False
    )
    op.create_index(
        op.f('ix_webhook_delivery_webhook_id'), 'webhook_delivery', ['webhook_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_webhook_delivery_webhook_id'), table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_due', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook')
