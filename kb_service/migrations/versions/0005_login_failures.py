"""login failures

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 10:00:00

Failed sign-ins move from each process's memory into the database, so every process and node
throttles the same failures (kb_service.accounts.throttle).
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failed_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_failed_at'), ['failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_failed_at'))
        batch_op.drop_index(batch_op.f('ix_login_failure_address'))
        batch_op.drop_index(batch_op.f('ix_login_failure_account'))

    op.drop_table('login_failure')
