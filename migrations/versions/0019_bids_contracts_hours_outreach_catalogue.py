"""bids, contracts, invoices, insertion hours, outreach (opportunities, questions), the
inclusive catalogue, procurement settings; the clause_facilitator role and the
procurement notification kinds

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 15:39:26.434008

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

KINDS_BEFORE = ("order_requested", "order_changed", "question", "answer", "want_match",
                "offer_expiring")
KINDS_AFTER = (*KINDS_BEFORE, "lot_opportunity", "lot_answer", "grouping_invitation",
               "grouping_changed", "bid_received", "contract_awarded", "invoice_paid",
               "hours_reviewed")
NETWORK_ROLES_BEFORE = ("network_admin", "network_treasurer")
NETWORK_ROLES_AFTER = (*NETWORK_ROLES_BEFORE, "clause_facilitator")


def listed(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def set_checks(kinds, roles):
    """Rewrite the notification kinds' and the role scope's CHECK constraints."""
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('ck_notifications_kind_valid', type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'),
                                         f"kind IN ({listed(kinds)})")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint('ck_user_roles_scope', type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_roles_scope'),
            f"(role IN ({listed(roles)})) = (member_id IS NULL)")


def upgrade():
    op.create_table('procurement_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('enough_interested', sa.Integer(), nullable=False),
    sa.Column('reserve_min_answers', sa.Integer(), nullable=False),
    sa.Column('clause_min_answers', sa.Integer(), nullable=False),
    sa.Column('labour_share_pct', sa.Integer(), nullable=False),
    sa.Column('insertion_share_pct', sa.Integer(), nullable=False),
    sa.Column('hourly_cost_minor', sa.Integer(), nullable=False),
    sa.Column('catalogue_threshold_minor', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('batch_size BETWEEN 1 AND 1000', name=op.f('ck_procurement_settings_batch_size_range')),
    sa.CheckConstraint('catalogue_threshold_minor >= 0', name=op.f('ck_procurement_settings_threshold_not_negative')),
    sa.CheckConstraint('clause_min_answers BETWEEN 0 AND 1000', name=op.f('ck_procurement_settings_clause_range')),
    sa.CheckConstraint('enough_interested BETWEEN 1 AND 1000', name=op.f('ck_procurement_settings_enough_range')),
    sa.CheckConstraint('hourly_cost_minor > 0', name=op.f('ck_procurement_settings_hourly_cost_positive')),
    sa.CheckConstraint('id = 1', name=op.f('ck_procurement_settings_single_row')),
    sa.CheckConstraint('insertion_share_pct BETWEEN 1 AND 100', name=op.f('ck_procurement_settings_insertion_range')),
    sa.CheckConstraint('labour_share_pct BETWEEN 1 AND 100', name=op.f('ck_procurement_settings_labour_range')),
    sa.CheckConstraint('reserve_min_answers BETWEEN 1 AND 1000', name=op.f('ck_procurement_settings_reserve_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_settings'))
    )
    op.create_table('facilitator_departments',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_facilitator_departments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'department', name=op.f('pk_facilitator_departments'))
    )
    with op.batch_alter_table('facilitator_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilitator_departments_department'), ['department'], unique=False)

    op.create_table('catalogue_purchases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sector_code', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('value_minor', sa.BigInteger(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value_minor > 0', name=op.f('ck_catalogue_purchases_value_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['members.id'], name=op.f('fk_catalogue_purchases_buyer_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_catalogue_purchases_offer_id_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_catalogue_purchases_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supplier_id'], ['members.id'], name=op.f('fk_catalogue_purchases_supplier_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_catalogue_purchases_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_purchases')),
    sa.UniqueConstraint('order_id', name=op.f('uq_catalogue_purchases_order_id'))
    )
    with op.batch_alter_table('catalogue_purchases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_purchases_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_purchases_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_purchases_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('lot_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_questions_lot_id_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_lot_questions_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lot_questions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_questions'))
    )
    with op.batch_alter_table('lot_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_questions_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_questions_member_id'), ['member_id'], unique=False)

    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('grouping_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('insertion_hours', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('quality_mark', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'withdrawn', 'awarded', 'rejected')", name=op.f('ck_bids_status_valid')),
    sa.CheckConstraint('insertion_hours >= 0', name=op.f('ck_bids_hours_not_negative')),
    sa.CheckConstraint('price_minor > 0', name=op.f('ck_bids_price_positive')),
    sa.CheckConstraint('quality_mark IS NULL OR quality_mark BETWEEN 0 AND 20', name=op.f('ck_bids_quality_mark_range')),
    sa.ForeignKeyConstraint(['grouping_id'], ['groupings.id'], name=op.f('fk_bids_grouping_id_groupings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_bids_lot_id_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_bids_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bids_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
    sa.UniqueConstraint('lot_id', 'member_id', name=op.f('uq_bids_lot_id'))
    )
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bids_grouping_id'), ['grouping_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bids_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bids_member_id'), ['member_id'], unique=False)

    op.create_table('lot_opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('interest', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('grouping_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("interest IS NULL OR interest IN ('interested', 'not_interested', 'as_grouping')", name=op.f('ck_lot_opportunities_interest_valid')),
    sa.CheckConstraint("reason IS NULL OR reason IN ('capacity', 'distance', 'sector', 'deadline', 'price', 'other')", name=op.f('ck_lot_opportunities_reason_valid')),
    sa.ForeignKeyConstraint(['grouping_id'], ['groupings.id'], name=op.f('fk_lot_opportunities_grouping_id_groupings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_opportunities_lot_id_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_lot_opportunities_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_opportunities')),
    sa.UniqueConstraint('lot_id', 'member_id', name=op.f('uq_lot_opportunities_lot_id'))
    )
    with op.batch_alter_table('lot_opportunities', schema=None) as batch_op:
        batch_op.create_index('ix_lot_opportunities_lot_notified', ['lot_id', 'notified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_opportunities_member_id'), ['member_id'], unique=False)

    op.create_table('bid_shares',
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('share_bp', sa.Integer(), nullable=False),
    sa.Column('work', sa.String(length=300), nullable=False),
    sa.CheckConstraint('share_bp BETWEEN 1 AND 10000', name=op.f('ck_bid_shares_share_range')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_bid_shares_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_bid_shares_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('bid_id', 'member_id', name=op.f('pk_bid_shares'))
    )
    with op.batch_alter_table('bid_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_shares_member_id'), ['member_id'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('grouping_id', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('insertion_hours', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('awarded_by', sa.Integer(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'completed')", name=op.f('ck_contracts_status_valid')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_contracts_amount_positive')),
    sa.ForeignKeyConstraint(['awarded_by'], ['users.id'], name=op.f('fk_contracts_awarded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_contracts_bid_id_bids'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['buyer_id'], ['members.id'], name=op.f('fk_contracts_buyer_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['grouping_id'], ['groupings.id'], name=op.f('fk_contracts_grouping_id_groupings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['holder_id'], ['members.id'], name=op.f('fk_contracts_holder_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_contracts_lot_id_lots'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_contracts_bid_id')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_contracts_lot_id'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_holder_id'), ['holder_id'], unique=False)

    op.create_table('contract_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transfer_id', sa.BigInteger(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('issued', 'paid')", name=op.f('ck_contract_invoices_status_valid')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_contract_invoices_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_invoices_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name=op.f('fk_contract_invoices_paid_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_invoices')),
    sa.UniqueConstraint('contract_id', 'number', name=op.f('uq_contract_invoices_contract_id')),
    sa.UniqueConstraint('transfer_id', name=op.f('uq_contract_invoices_transfer_id'))
    )
    with op.batch_alter_table('contract_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_invoices_contract_id'), ['contract_id'], unique=False)

    op.create_table('hours_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('hours', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('long_term_unemployed', 'minimum_income', 'youth', 'disabled', 'senior', 'siae_pathway', 'other')", name=op.f('ck_hours_reports_category_valid')),
    sa.CheckConstraint("status IN ('submitted', 'validated', 'questioned')", name=op.f('ck_hours_reports_status_valid')),
    sa.CheckConstraint('hours > 0 AND hours <= 100000', name=op.f('ck_hours_reports_hours_range')),
    sa.CheckConstraint('people BETWEEN 1 AND 10000', name=op.f('ck_hours_reports_people_range')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_hours_reports_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_hours_reports_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_hours_reports_reported_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_hours_reports_reviewed_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_reports')),
    sa.UniqueConstraint('contract_id', 'member_id', 'month', 'category', name=op.f('uq_hours_reports_contract_id'))
    )
    with op.batch_alter_table('hours_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_reports_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hours_reports_member_id'), ['member_id'], unique=False)

    set_checks(KINDS_AFTER, NETWORK_ROLES_AFTER)


def downgrade():
    gone = "SELECT id FROM notifications WHERE kind NOT IN (%s)" % listed(KINDS_BEFORE)
    # The foreign key's ON DELETE SET NULL, done by hand: SQLite migrates with its keys off.
    op.execute(f"UPDATE outbox_emails SET notification_id = NULL WHERE notification_id IN ({gone})")
    op.execute("DELETE FROM notifications WHERE kind NOT IN (%s)" % listed(KINDS_BEFORE))
    op.execute("DELETE FROM user_roles WHERE role = 'clause_facilitator'")
    set_checks(KINDS_BEFORE, NETWORK_ROLES_BEFORE)
    with op.batch_alter_table('hours_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_reports_member_id'))
        batch_op.drop_index(batch_op.f('ix_hours_reports_contract_id'))

    op.drop_table('hours_reports')
    with op.batch_alter_table('contract_invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_invoices_contract_id'))

    op.drop_table('contract_invoices')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_holder_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_buyer_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('bid_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_shares_member_id'))

    op.drop_table('bid_shares')
    with op.batch_alter_table('lot_opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_opportunities_member_id'))
        batch_op.drop_index('ix_lot_opportunities_lot_notified')

    op.drop_table('lot_opportunities')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bids_member_id'))
        batch_op.drop_index(batch_op.f('ix_bids_lot_id'))
        batch_op.drop_index(batch_op.f('ix_bids_grouping_id'))

    op.drop_table('bids')
    with op.batch_alter_table('lot_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_questions_member_id'))
        batch_op.drop_index(batch_op.f('ix_lot_questions_lot_id'))

    op.drop_table('lot_questions')
    with op.batch_alter_table('catalogue_purchases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_purchases_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_catalogue_purchases_created_at'))
        batch_op.drop_index(batch_op.f('ix_catalogue_purchases_buyer_id'))

    op.drop_table('catalogue_purchases')
    with op.batch_alter_table('facilitator_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilitator_departments_department'))

    op.drop_table('facilitator_departments')
    op.drop_table('procurement_settings')
