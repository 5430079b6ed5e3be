"""cooperative share register

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 15:00:00

A cooperative's capital (its share currency and equity accounts), the append-only register
of share events, and holders' withdrawal and transfer requests.

"""
import sqlalchemy as sa
from alembic import op

import market.platform.types

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cooperative_capitals',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('share_code', sa.String(length=16), nullable=False),
    sa.Column('nominal_minor', sa.BigInteger(), nullable=False),
    sa.Column('paid_account_id', sa.BigInteger(), nullable=False),
    sa.Column('called_account_id', sa.BigInteger(), nullable=False),
    sa.Column('uncalled_account_id', sa.BigInteger(), nullable=False),
    sa.Column('receivable_account_id', sa.BigInteger(), nullable=False),
    sa.Column('issuance_account_id', sa.BigInteger(), nullable=False),
    sa.Column('highest_capital_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('highest_capital_minor >= 0', name=op.f('ck_cooperative_capitals_highest_not_negative')),
    sa.CheckConstraint('nominal_minor > 0', name=op.f('ck_cooperative_capitals_nominal_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_cooperative_capitals_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_cooperative_capitals')),
    sa.UniqueConstraint('share_code', name=op.f('uq_cooperative_capitals_share_code'))
    )
    op.create_table('share_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('called', sa.BigInteger(), nullable=False),
    sa.Column('uncalled', sa.BigInteger(), nullable=False),
    sa.Column('nominal_minor', sa.BigInteger(), nullable=False),
    sa.Column('counterparty_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.BigInteger(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('subscription', 'call', 'payment', 'transfer', 'withdrawal')", name=op.f('ck_share_events_kind_valid')),
    sa.CheckConstraint('paid + called + uncalled = units * nominal_minor', name=op.f('ck_share_events_parts_sum_to_nominal')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_share_events_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative_capitals.member_id'], name=op.f('fk_share_events_cooperative_id_cooperative_capitals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['counterparty_id'], ['members.id'], name=op.f('fk_share_events_counterparty_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_share_events_member_id_members')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_share_events_offer_id_offers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_events'))
    )
    with op.batch_alter_table('share_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_events_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_events_member_id'), ['member_id'], unique=False)

    op.create_table('share_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('to_member_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('transfer_id', sa.BigInteger(), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('withdrawal', 'transfer')", name=op.f('ck_share_requests_kind_valid')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'refused')", name=op.f('ck_share_requests_status_valid')),
    sa.CheckConstraint('units > 0', name=op.f('ck_share_requests_units_positive')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative_capitals.member_id'], name=op.f('fk_share_requests_cooperative_id_cooperative_capitals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_share_requests_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_share_requests_member_id_members')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_share_requests_requested_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_member_id'], ['members.id'], name=op.f('fk_share_requests_to_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_requests'))
    )
    with op.batch_alter_table('share_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_requests_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('share_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_requests_member_id'))
        batch_op.drop_index(batch_op.f('ix_share_requests_cooperative_id'))

    op.drop_table('share_requests')
    with op.batch_alter_table('share_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_events_member_id'))
        batch_op.drop_index(batch_op.f('ix_share_events_cooperative_id'))

    op.drop_table('share_events')
    op.drop_table('cooperative_capitals')
