"""sessions known to the server; API tokens with an expiry and the right to create tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00

Writing a token's last use no longer notifies intercoop_auth (PostgreSQL): the trigger
fires only on the columns that decide whether and how a token authenticates.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TOKEN_COLUMNS = "revoked_at, expires_at, can_create_tokens, user_id, token_hash"


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'])
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('can_create_tokens', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS api_tokens_auth_changed ON api_tokens")
        op.execute(f"CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE OF {TOKEN_COLUMNS} "
                   "OR DELETE OR TRUNCATE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION "
                   "intercoop_auth_changed()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS api_tokens_auth_changed ON api_tokens")
        op.execute("CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE "
                   "ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION "
                   "intercoop_auth_changed()")
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('can_create_tokens')
        batch.drop_column('expires_at')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
