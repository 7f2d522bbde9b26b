"""audit log, password reset links and their throttle

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-27 13:00:00
"""

import sqlalchemy as sa
from alembic import op

import kb_service.db

revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None

APPEND_ONLY = 'the audit log is append-only'


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_kind', sa.String(length=40), nullable=True),
    sa.Column('target_id', sa.String(length=200), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_action'), 'audit_entry', ['action'], unique=False)
    op.create_index(op.f('ix_audit_entry_actor_id'), 'audit_entry', ['actor_id'], unique=False)
    op.create_index(op.f('ix_audit_entry_at'), 'audit_entry', ['at'], unique=False)
    op.create_index(op.f('ix_audit_entry_target_id'), 'audit_entry', ['target_id'], unique=False)
    _refuse_changes_of_the_audit_log()
    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', kb_service.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_reset_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    op.create_index(op.f('ix_password_reset_expires_at'), 'password_reset', ['expires_at'], unique=False)
    op.create_index(op.f('ix_password_reset_user_id'), 'password_reset', ['user_id'], unique=False)
    op.create_table('reset_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('requested_at', kb_service.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reset_request'))
    )
    op.create_index(op.f('ix_reset_request_account'), 'reset_request', ['account'], unique=False)
    op.create_index(op.f('ix_reset_request_address'), 'reset_request', ['address'], unique=False)
    op.create_index(op.f('ix_reset_request_requested_at'), 'reset_request', ['requested_at'], unique=False)


def _refuse_changes_of_the_audit_log() -> None:
    """Triggers in the database itself, so no code path (or hand-typed SQL) edits history.

    The database's owner can still drop them: they guard against mistakes and the
    application's own bugs, not against someone holding the database's keys.
    """
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION audit_entry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            'CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry '
            'FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse()'
        )
        op.execute(
            'CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry '
            'FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse()'
        )
    else:
        for event in ('UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry '
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    op.drop_index(op.f('ix_reset_request_requested_at'), table_name='reset_request')
    op.drop_index(op.f('ix_reset_request_address'), table_name='reset_request')
    op.drop_index(op.f('ix_reset_request_account'), table_name='reset_request')
    op.drop_table('reset_request')
    op.drop_index(op.f('ix_password_reset_user_id'), table_name='password_reset')
    op.drop_index(op.f('ix_password_reset_expires_at'), table_name='password_reset')
    op.drop_table('password_reset')
    op.drop_index(op.f('ix_audit_entry_target_id'), table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_at'), table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_actor_id'), table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_action'), table_name='audit_entry')
    op.drop_table('audit_entry')  # its triggers go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION audit_entry_refuse()')
