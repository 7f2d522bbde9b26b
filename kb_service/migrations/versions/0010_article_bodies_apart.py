"""article bodies in a table of their own, so an import's switch rewrites small rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('article_body',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_body'))
    )
    # Plain ALTER TABLE on both engines: a batch (copy and drop) of `article` on SQLite would
    # fire ON DELETE CASCADE on its links and versions when the old table is dropped.
    for table in ('article', 'article_version'):
        op.execute(f'ALTER TABLE {table} ADD COLUMN body_id INTEGER NOT NULL DEFAULT 0')
    # A version's body takes the version's id; the current one's keeps its rendered HTML.
    op.execute(
        'INSERT INTO article_body (id, article_id, body_md, body_html) '
        'SELECT v.id, v.article_id, v.body_md, '
        "CASE WHEN a.version = v.version THEN a.body_html ELSE '' END "
        'FROM article_version v JOIN article a ON a.id = v.article_id'
    )
    op.execute('UPDATE article_version SET body_id = id')
    op.execute(
        'UPDATE article SET body_id = coalesce((SELECT v.id FROM article_version v '
        'WHERE v.article_id = article.id AND v.version = article.version), 0)'
    )
    # Articles whose current version was never recorded get a body of their own.
    op.execute(
        'INSERT INTO article_body (id, article_id, body_md, body_html) '
        'SELECT (SELECT coalesce(max(id), 0) FROM article_body) '
        '+ row_number() OVER (ORDER BY id), id, body_md, body_html '
        'FROM article WHERE body_id = 0'
    )
    op.execute(
        'UPDATE article SET body_id = (SELECT b.id FROM article_body b '
        'WHERE b.article_id = article.id ORDER BY b.id DESC LIMIT 1) WHERE body_id = 0'
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "SELECT setval(pg_get_serial_sequence('article_body', 'id'), "
            'coalesce(max(id), 0) + 1, false) FROM article_body'
        )
    dropped = (('article', 'body_md'), ('article', 'body_html'), ('article_version', 'body_md'))
    for table, column in dropped:
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    op.create_index(
        op.f('ix_article_version_body_id'), 'article_version', ['body_id'], unique=False
    )
    with op.batch_alter_table('staged_article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_id', sa.Integer(), nullable=False))
        batch_op.drop_column('body_md')
        batch_op.drop_column('body_html')


def downgrade() -> None:
    with op.batch_alter_table('staged_article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=False))
        batch_op.add_column(sa.Column('body_md', sa.Text(), nullable=False))
        batch_op.drop_column('body_id')
    op.drop_index(op.f('ix_article_version_body_id'), table_name='article_version')
    op.execute("ALTER TABLE article ADD COLUMN body_md TEXT NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE article ADD COLUMN body_html TEXT NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE article_version ADD COLUMN body_md TEXT NOT NULL DEFAULT ''")
    for table in ('article', 'article_version'):
        op.execute(
            f'UPDATE {table} SET body_md = (SELECT b.body_md FROM article_body b '
            f'WHERE b.id = {table}.body_id)'
        )
    op.execute(
        'UPDATE article SET body_html = (SELECT b.body_html FROM article_body b '
        'WHERE b.id = article.body_id)'
    )
    for table in ('article', 'article_version'):
        op.execute(f'ALTER TABLE {table} DROP COLUMN body_id')
    op.drop_table('article_body')
