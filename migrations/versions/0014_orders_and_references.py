"""orders and references

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:19:44.917128

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('buyer_member_id', sa.Integer(), nullable=False),
    sa.Column('seller_member_id', sa.Integer(), nullable=False),
    sa.Column('buyer_user_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('delivery', sa.JSON(), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('payment', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('transfer_id', sa.BigInteger(), nullable=True),
    sa.Column('stock_taken', sa.Integer(), nullable=False),
    sa.Column('refusal', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('requested', 'accepted', 'delivered', 'completed', 'rejected', 'cancelled', 'expired')", name=op.f('ck_orders_state_valid')),
    sa.CheckConstraint('buyer_member_id <> seller_member_id', name=op.f('ck_orders_not_own_offer')),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_orders_quantity_positive')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_orders_total_not_negative')),
    sa.ForeignKeyConstraint(['buyer_member_id'], ['members.id'], name=op.f('fk_orders_buyer_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['buyer_user_id'], ['users.id'], name=op.f('fk_orders_buyer_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_orders_offer_id_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['seller_member_id'], ['members.id'], name=op.f('fk_orders_seller_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_buyer_state', ['buyer_member_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index('ix_orders_seller_state', ['seller_member_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_transfer_id'), ['transfer_id'], unique=False)

    op.create_table('order_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('author_member_id', sa.Integer(), nullable=False),
    sa.Column('subject_member_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rating IN ('positive', 'neutral', 'negative')", name=op.f('ck_order_references_rating_valid')),
    sa.ForeignKeyConstraint(['author_member_id'], ['members.id'], name=op.f('fk_order_references_author_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_references_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_member_id'], ['members.id'], name=op.f('fk_order_references_subject_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_references'))
    )
    with op.batch_alter_table('order_references', schema=None) as batch_op:
        batch_op.create_index('ix_order_references_subject', ['subject_member_id', 'rating'], unique=False)
        batch_op.create_index('uq_order_references_author', ['order_id', 'author_member_id'], unique=True)



def downgrade():
    with op.batch_alter_table('order_references', schema=None) as batch_op:
        batch_op.drop_index('uq_order_references_author')
        batch_op.drop_index('ix_order_references_subject')

    op.drop_table('order_references')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_transfer_id'))
        batch_op.drop_index('ix_orders_seller_state')
        batch_op.drop_index(batch_op.f('ix_orders_offer_id'))
        batch_op.drop_index('ix_orders_buyer_state')

    op.drop_table('orders')
