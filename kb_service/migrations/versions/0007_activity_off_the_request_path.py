"""activity written off the request path: random search ids, daily view counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('article_daily_view',
    sa.Column('article_id', sa.String(length=100), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_daily_view_article_id_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', name=op.f('pk_article_daily_view'))
    )
    with op.batch_alter_table('article_daily_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_daily_view_day'), ['day'], unique=False)
    op.execute(
        "INSERT INTO article_daily_view (article_id, day, views) "
        f"SELECT article_id, {_day_of('created_at')}, count(*) FROM article_view "
        f"GROUP BY article_id, {_day_of('created_at')}"
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Ids are made by the application now (kb_service.activity), 53 random bits.
        op.alter_column('search_event', 'id', type_=sa.BigInteger(), server_default=None)
        op.execute('DROP SEQUENCE IF EXISTS search_event_id_seq')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DELETE FROM search_event WHERE id > 2147483647')
        op.execute('CREATE SEQUENCE search_event_id_seq OWNED BY search_event.id')
        op.execute("SELECT setval('search_event_id_seq', coalesce(max(id), 0) + 1, false) FROM search_event")
        op.alter_column('search_event', 'id', type_=sa.Integer(),
                        server_default=sa.text("nextval('search_event_id_seq')"))
    with op.batch_alter_table('article_daily_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_daily_view_day'))
    op.drop_table('article_daily_view')


def _day_of(column: str) -> str:
    # SQLite keeps UTC datetimes as ISO text; PostgreSQL as timestamptz.
    if op.get_bind().dialect.name == 'postgresql':
        return f"({column} AT TIME ZONE 'UTC')::date"
    return f"substr({column}, 1, 10)"
