"""planning: the engineers' planned visits, tasks and absences

Revision ID: t0006
Revises: t0004
Create Date: 2026-11-27 10:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = 't0006'
down_revision = 't0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('planned_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_planned_work_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_planned_work_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['engineer_id'], ['user_account.id'], name=op.f('fk_planned_work_engineer_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_planned_work_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_work'))
    )
    with op.batch_alter_table('planned_work', schema=None) as batch_op:
        batch_op.create_index('ix_planned_work_engineer_span', ['engineer_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_planned_work_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('planned_work', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planned_work_ticket_id'))
        batch_op.drop_index('ix_planned_work_engineer_span')

    op.drop_table('planned_work')
