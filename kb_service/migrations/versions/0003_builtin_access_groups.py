"""builtin access groups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:30:00

The groups every article visibility rule names (kb_service.access) are part of the schema's
meaning: a fresh installation must be able to publish to "public" before anything else runs.
Earlier installations may have them already (the importer and the demo created them).
"""

import datetime

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

GROUPS = {
    "public": "Everyone, signed in or not",
    "customers": "Clients of organisations with a service contract",
    "internal": "Staff of the support organisation only",
}
access_group = sa.table(
    "access_group",
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("created_at", kb_service.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    present = set(bind.scalars(sa.select(access_group.c.name)))
    now = datetime.datetime.now(datetime.UTC)
    rows = [
        {"name": name, "description": description, "created_at": now}
        for name, description in GROUPS.items()
        if name not in present
    ]
    if rows:
        op.bulk_insert(access_group, rows)


def downgrade() -> None:
    # The groups may be in use by articles by now; they stay.
    pass
