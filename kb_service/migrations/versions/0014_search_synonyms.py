"""search synonyms that editors maintain, seeded with common equivalents

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-27 12:40:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0014'
down_revision = '0016'
branch_labels = None
depends_on = None

# Shipped defaults: what people type for what articles say, in both languages. Editors change
# them in the console; the migration only seeds them once.
DEFAULTS = (
    ('вайфай', 'wi-fi', 'wifi', 'беспроводная сеть', 'wireless network'),
    ('МФУ', 'многофункциональное устройство', 'multifunction printer', 'MFP'),
    ('ПО', 'программное обеспечение', 'software'),
    ('ноутбук', 'laptop', 'notebook'),
    ('ПК', 'персональный компьютер'),
    ('PC', 'personal computer'),
    ('электронная почта', 'эл. почта', 'e-mail', 'email'),
    ('учётная запись', 'учетка', 'аккаунт'),
    ('флешка', 'флэшка', 'USB-накопитель', 'флэш-накопитель'),
    ('винда', 'Windows'),
    ('апдейт', 'обновление'),
    ('ребут', 'перезагрузка'),
    ('VPN', 'впн'),
    ('монитор', 'дисплей'),
)


def upgrade() -> None:
    table = op.create_table(
        'search_synonym',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('terms', sa.Text(), nullable=False),
        sa.Column('updated_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym')),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [{'terms': '\n'.join(g), 'updated_at': now} for g in DEFAULTS])


def downgrade() -> None:
    op.drop_table('search_synonym')
