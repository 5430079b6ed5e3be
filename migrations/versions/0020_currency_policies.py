"""currency policies and credit line changes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:40:16

A network's policy for each currency it runs (parity, credit lines, redemption fee,
reserve, demurrage) and the append-only log of credit-line changes.

"""
import sqlalchemy as sa
from alembic import op

import market.platform.types

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_line_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('old_line', sa.BigInteger(), nullable=False),
    sa.Column('new_line', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('old_line >= 0 AND new_line >= 0', name=op.f('ck_credit_line_changes_lines_positive')),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_credit_line_changes_changed_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_line_changes'))
    )
    with op.batch_alter_table('credit_line_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_line_changes_account_id'), ['account_id'], unique=False)

    op.create_table('currency_policies',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('euro_parity', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('default_credit_line', sa.BigInteger(), nullable=False),
    sa.Column('issuance_account_id', sa.BigInteger(), nullable=True),
    sa.Column('reserve_account_id', sa.BigInteger(), nullable=True),
    sa.Column('redemption_fee_bp', sa.Integer(), nullable=False),
    sa.Column('fee_account_id', sa.BigInteger(), nullable=True),
    sa.Column('merchant_fee_bp', sa.Integer(), nullable=False),
    sa.Column('fund_account_id', sa.BigInteger(), nullable=True),
    sa.Column('demurrage_rate_bp', sa.Integer(), nullable=False),
    sa.Column('demurrage_free_base', sa.BigInteger(), nullable=False),
    sa.Column('demurrage_period', sa.String(length=8), nullable=True),
    sa.Column('commons_account_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("demurrage_period IN ('daily', 'monthly')", name=op.f('ck_currency_policies_demurrage_period_valid')),
    sa.CheckConstraint('default_credit_line >= 0', name=op.f('ck_currency_policies_credit_line_positive')),
    sa.CheckConstraint('demurrage_free_base >= 0', name=op.f('ck_currency_policies_free_base_positive')),
    sa.CheckConstraint('demurrage_rate_bp BETWEEN 0 AND 10000', name=op.f('ck_currency_policies_demurrage_range')),
    sa.CheckConstraint('euro_parity > 0', name=op.f('ck_currency_policies_parity_positive')),
    sa.CheckConstraint('merchant_fee_bp BETWEEN 0 AND 10000', name=op.f('ck_currency_policies_merchant_fee_range')),
    sa.CheckConstraint('redemption_fee_bp BETWEEN 0 AND 10000', name=op.f('ck_currency_policies_fee_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_currency_policies_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_currency_policies_network_id_networks')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_currency_policies'))
    )
    with op.batch_alter_table('currency_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_currency_policies_network_id'), ['network_id'], unique=False)



def downgrade():
    with op.batch_alter_table('currency_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_currency_policies_network_id'))

    op.drop_table('currency_policies')
    with op.batch_alter_table('credit_line_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_line_changes_account_id'))

    op.drop_table('credit_line_changes')
