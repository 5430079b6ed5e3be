"""agreements between networks for trans-local clearing, and redemptions of backed units

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import market.platform.types

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clearing_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_a_id', sa.Integer(), nullable=False),
    sa.Column('network_b_id', sa.Integer(), nullable=False),
    sa.Column('currency_a', sa.String(length=16), nullable=False),
    sa.Column('currency_b', sa.String(length=16), nullable=False),
    sa.Column('rate', sa.Numeric(precision=24, scale=12), nullable=False),
    sa.Column('limit_a', sa.BigInteger(), nullable=False),
    sa.Column('limit_b', sa.BigInteger(), nullable=False),
    sa.Column('account_a_id', sa.BigInteger(), nullable=False),
    sa.Column('account_b_id', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('currency_a <> currency_b', name=op.f('ck_clearing_agreements_two_currencies')),
    sa.CheckConstraint('limit_a >= 0 AND limit_b >= 0', name=op.f('ck_clearing_agreements_limits_positive')),
    sa.CheckConstraint('network_a_id <> network_b_id', name=op.f('ck_clearing_agreements_two_networks')),
    sa.CheckConstraint('rate > 0', name=op.f('ck_clearing_agreements_rate_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_clearing_agreements_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_a_id'], ['networks.id'], name=op.f('fk_clearing_agreements_network_a_id_networks')),
    sa.ForeignKeyConstraint(['network_b_id'], ['networks.id'], name=op.f('fk_clearing_agreements_network_b_id_networks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clearing_agreements')),
    sa.UniqueConstraint('network_a_id', 'network_b_id', 'currency_a', 'currency_b', name=op.f('uq_clearing_agreements_network_a_id'))
    )
    with op.batch_alter_table('clearing_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clearing_agreements_network_a_id'), ['network_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clearing_agreements_network_b_id'), ['network_b_id'], unique=False)

    op.create_table('redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('euro_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hold_transfer_id', sa.BigInteger(), nullable=False),
    sa.Column('payout_transfer_id', sa.BigInteger(), nullable=True),
    sa.Column('payout_reference', sa.String(length=200), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.Column('decided_at', market.platform.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('requested', 'approved', 'refused')", name=op.f('ck_redemptions_status_valid')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_redemptions_amount_positive')),
    sa.CheckConstraint('euro_cents > 0', name=op.f('ck_redemptions_euros_positive')),
    sa.CheckConstraint('fee >= 0 AND fee < amount', name=op.f('ck_redemptions_fee_range')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_redemptions_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_redemptions_member_id_members')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_redemptions_requested_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemptions'))
    )
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemptions_currency'), ['currency'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemptions_status'))
        batch_op.drop_index(batch_op.f('ix_redemptions_member_id'))
        batch_op.drop_index(batch_op.f('ix_redemptions_currency'))

    op.drop_table('redemptions')
    with op.batch_alter_table('clearing_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearing_agreements_network_b_id'))
        batch_op.drop_index(batch_op.f('ix_clearing_agreements_network_a_id'))

    op.drop_table('clearing_agreements')
