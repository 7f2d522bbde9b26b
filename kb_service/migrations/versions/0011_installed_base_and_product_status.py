"""the installed base, and products' status

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 10:21:22
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('equipment',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=True),
    sa.Column('serial', sa.String(length=100), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('warranty_until', sa.Date(), nullable=True),
    sa.Column('contract', sa.String(length=200), nullable=True),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('warranty_until IS NULL OR installed_on IS NULL OR warranty_until >= installed_on', name=op.f('ck_equipment_warranty_after_installation')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_equipment_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_equipment_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment'))
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_serial'), ['serial'], unique=False)

    # Plain ALTER TABLE on both engines: a batch (copy and drop) of `product` on SQLite would
    # fire ON DELETE CASCADE on the links of articles and organisations to it.
    op.add_column(
        'product',
        sa.Column('status', sa.String(length=20), server_default='active', nullable=False),
    )


def downgrade() -> None:
    op.execute('ALTER TABLE product DROP COLUMN status')

    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_serial'))
        batch_op.drop_index(batch_op.f('ix_equipment_product_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_organisation_id'))

    op.drop_table('equipment')
