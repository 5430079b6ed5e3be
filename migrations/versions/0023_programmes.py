"""social currency programmes, their recipients, and members' donation rules

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import market.platform.types

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('currency_donation_rules',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('association_member_id', sa.Integer(), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('updated_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('member_id <> association_member_id', name=op.f('ck_currency_donation_rules_not_itself')),
    sa.CheckConstraint('rate_bp BETWEEN 1 AND 10000', name=op.f('ck_currency_donation_rules_rate_range')),
    sa.ForeignKeyConstraint(['association_member_id'], ['members.id'], name=op.f('fk_currency_donation_rules_association_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['currency'], ['currency_policies.code'], name=op.f('fk_currency_donation_rules_currency_currency_policies')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_currency_donation_rules_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'currency', name=op.f('pk_currency_donation_rules'))
    )
    with op.batch_alter_table('currency_donation_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_currency_donation_rules_association_member_id'), ['association_member_id'], unique=False)

    op.create_table('currency_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('issuing_account_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("period IN ('monthly', 'weekly')", name=op.f('ck_currency_programmes_period_valid')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_currency_programmes_amount_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_currency_programmes_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['currency'], ['currency_policies.code'], name=op.f('fk_currency_programmes_currency_currency_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_currency_programmes'))
    )
    with op.batch_alter_table('currency_programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_currency_programmes_currency'), ['currency'], unique=False)

    op.create_table('currency_programme_recipients',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('added_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['currency_programmes.id'], name=op.f('fk_currency_programme_recipients_programme_id_currency_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'account_id', name=op.f('pk_currency_programme_recipients'))
    )


def downgrade():
    op.drop_table('currency_programme_recipients')
    with op.batch_alter_table('currency_programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_currency_programmes_currency'))

    op.drop_table('currency_programmes')
    with op.batch_alter_table('currency_donation_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_currency_donation_rules_association_member_id'))

    op.drop_table('currency_donation_rules')
