"""reports: index the times tickets are resolved and closed

The reports count tickets resolved or closed in a period (link rate, tickets out, reopen
and confirmation rates, SLA met); without these indexes each such count read the whole
ticket table (bench/reports_speed.py).

Revision ID: t0010
Revises: t0006
Create Date: 2026-11-27 13:05:00.000000
"""

from alembic import op

revision = 't0010'
down_revision = 't0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_ticket_closed_at'), 'ticket', ['closed_at'], unique=False)
    op.create_index(op.f('ix_ticket_resolved_at'), 'ticket', ['resolved_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_resolved_at'), table_name='ticket')
    op.drop_index(op.f('ix_ticket_closed_at'), table_name='ticket')
