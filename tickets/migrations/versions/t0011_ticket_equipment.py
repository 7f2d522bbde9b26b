"""tickets name the equipment item they are about

Revision ID: t0011
Revises: t0010
Create Date: 2026-11-27 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = 't0011'
down_revision = 't0010'
branch_labels = None
# The equipment table comes with the core's installed base.
depends_on = '0011'


FK = op.f('fk_ticket_equipment_id_equipment')
CONSTRAINT = (
    'CONSTRAINT fk_ticket_equipment_id_equipment FOREIGN KEY(equipment_id) '
    'REFERENCES equipment (id) ON DELETE SET NULL'
)


def upgrade() -> None:
    op.add_column('ticket', sa.Column('equipment_id', sa.String(length=100), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        _add_sqlite_constraint(op.get_bind())
    else:
        op.create_foreign_key(
            FK, 'ticket', 'equipment', ['equipment_id'], ['id'], ondelete='SET NULL'
        )
    op.create_index(op.f('ix_ticket_equipment_id'), 'ticket', ['equipment_id'], unique=False)


def _add_sqlite_constraint(connection) -> None:
    """SQLite has no ALTER TABLE ... ADD CONSTRAINT, and a batch (copy, drop, rename) of
    `ticket` would fire ON DELETE CASCADE on its messages, files, history and escalations
    when the old table is dropped. A constraint changes nothing on disk, and the new column
    is empty, so SQLite's own procedure for such changes applies: rewrite the table's stored
    definition and bump the schema version (sqlite.org/lang_altertable.html, "Making Other
    Kinds Of Table Schema Changes"). Named, so the schema reads as the model describes it."""
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ticket'"
    ).scalar()
    body = sql.rstrip()
    assert body.endswith(')'), 'unexpected definition of ticket'
    changed = body[:-1].rstrip() + ', \n\t' + CONSTRAINT + '\n)'
    version = connection.exec_driver_sql('PRAGMA schema_version').scalar()
    connection.exec_driver_sql('PRAGMA writable_schema = ON')
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ticket'", (changed,)
    )
    connection.exec_driver_sql(f'PRAGMA schema_version = {version + 1}')
    connection.exec_driver_sql('PRAGMA writable_schema = OFF')
    problems = connection.exec_driver_sql('PRAGMA foreign_key_check(ticket)').fetchall()
    assert not problems, problems


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_equipment_id'), table_name='ticket')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops no column that a constraint names; the same procedure, backwards.
        _drop_sqlite_constraint(op.get_bind())
    else:
        op.drop_constraint(FK, 'ticket', type_='foreignkey')
    op.drop_column('ticket', 'equipment_id')


def _drop_sqlite_constraint(connection) -> None:
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ticket'"
    ).scalar()
    version = connection.exec_driver_sql('PRAGMA schema_version').scalar()
    connection.exec_driver_sql('PRAGMA writable_schema = ON')
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ticket'",
        (sql.replace(', \n\t' + CONSTRAINT, ''),),
    )
    connection.exec_driver_sql(f'PRAGMA schema_version = {version + 1}')
    connection.exec_driver_sql('PRAGMA writable_schema = OFF')
