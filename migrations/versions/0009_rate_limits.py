"""rate limits in fixed windows, one row per limited key (sign-in and sign-up)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limits',
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=254), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_rate_limits')),
    )
    op.create_index(op.f('ix_rate_limits_window_start'), 'rate_limits', ['window_start'])


def downgrade():
    op.drop_index(op.f('ix_rate_limits_window_start'), table_name='rate_limits')
    op.drop_table('rate_limits')
