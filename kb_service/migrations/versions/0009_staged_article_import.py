"""article imports write aside in short transactions, then switch in one

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:30:00
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('article_import_batch',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('started_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_import_batch'))
    )
    op.create_table('staged_article',
    sa.Column('batch', sa.String(length=36), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=False),
    sa.Column('read_version', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', kb_service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('batch', 'article_id', name=op.f('pk_staged_article'))
    )
    op.create_table('staged_article_link',
    sa.Column('batch', sa.String(length=36), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('batch', 'article_id', 'kind', 'name', name=op.f('pk_staged_article_link'))
    )


def downgrade() -> None:
    op.drop_table('staged_article_link')
    op.drop_table('staged_article')
    op.drop_table('article_import_batch')
