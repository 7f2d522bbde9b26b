"""products merged into others, and the service levels organisations hold

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 15:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines: a batch (copy and drop) of `product` on SQLite would
    # fire ON DELETE CASCADE on the links of articles and organisations to it.
    op.add_column('product', sa.Column('merged_into', sa.String(length=64), nullable=True))
    op.create_table('organisation_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_level_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_level'))
    )
    with op.batch_alter_table('organisation_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_level_organisation_id'), ['organisation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('organisation_level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_level_organisation_id'))
    op.drop_table('organisation_level')
    op.execute('ALTER TABLE product DROP COLUMN merged_into')
