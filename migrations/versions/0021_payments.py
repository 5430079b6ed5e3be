"""top-ups through Stripe and the Stripe events received

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import market.platform.types

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('topups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('euro_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('payment_intent', sa.String(length=255), nullable=False),
    sa.Column('client_secret', sa.String(length=255), nullable=False),
    sa.Column('transfer_id', sa.BigInteger(), nullable=True),
    sa.Column('reversal_id', sa.BigInteger(), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('created', 'succeeded', 'failed', 'refunded')", name=op.f('ck_topups_status_valid')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_topups_amount_positive')),
    sa.CheckConstraint('euro_cents > 0', name=op.f('ck_topups_euros_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_topups_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_topups_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topups')),
    sa.UniqueConstraint('payment_intent', name=op.f('uq_topups_payment_intent')),
    sa.UniqueConstraint('reference', name=op.f('uq_topups_reference'))
    )
    with op.batch_alter_table('topups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topups_member_id'), ['member_id'], unique=False)

    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('received_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.Column('topup_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.CheckConstraint("outcome IN ('credited', 'failed', 'refunded', 'ignored', 'mismatch', 'refused')", name=op.f('ck_stripe_events_outcome_valid')),
    sa.ForeignKeyConstraint(['topup_id'], ['topups.id'], name=op.f('fk_stripe_events_topup_id_topups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stripe_events_topup_id'), ['topup_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stripe_events_topup_id'))

    op.drop_table('stripe_events')
    with op.batch_alter_table('topups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topups_member_id'))

    op.drop_table('topups')
