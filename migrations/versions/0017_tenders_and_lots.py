"""tenders and lots: public buyers' calls for tenders, their documents, lots, CPV codes and
award criteria

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:03:01

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=160), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=160), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('procedure', sa.String(length=40), nullable=False),
    sa.Column('buyer_name', sa.String(length=300), nullable=False),
    sa.Column('buyer_identifier', sa.String(length=64), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('intercoop', 'eforms', 'ocds')", name=op.f('ck_tenders_source_valid')),
    sa.CheckConstraint("status IN ('draft', 'published', 'closed', 'awarded', 'cancelled')", name=op.f('ck_tenders_status_valid')),
    sa.ForeignKeyConstraint(['buyer_id'], ['members.id'], name=op.f('fk_tenders_buyer_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenders')),
    sa.UniqueConstraint('identifier', name=op.f('uq_tenders_identifier'))
    )
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenders_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenders_status'), ['status'], unique=False)

    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('cpv_main', sa.String(length=8), nullable=False),
    sa.Column('estimated_value_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('postcode', sa.String(length=16), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=False),
    sa.Column('nuts', sa.String(length=5), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('duration_days', sa.Integer(), nullable=True),
    sa.Column('reservation', sa.String(length=16), nullable=False),
    sa.Column('insertion_hours', sa.Integer(), nullable=True),
    sa.Column('social_objectives', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reservation IN ('none', 'siae', 'disability', 'both', 'ess')", name=op.f('ck_lots_reservation_valid')),
    sa.CheckConstraint("status IN ('draft', 'published', 'closed', 'awarded', 'cancelled')", name=op.f('ck_lots_status_valid')),
    sa.CheckConstraint('duration_days IS NULL OR duration_days > 0', name=op.f('ck_lots_duration_positive')),
    sa.CheckConstraint('estimated_value_minor IS NULL OR estimated_value_minor >= 0', name=op.f('ck_lots_value_not_negative')),
    sa.CheckConstraint('insertion_hours IS NULL OR insertion_hours >= 0', name=op.f('ck_lots_hours_not_negative')),
    sa.CheckConstraint('latitude IS NULL OR latitude BETWEEN -90 AND 90', name=op.f('ck_lots_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR longitude BETWEEN -180 AND 180', name=op.f('ck_lots_longitude_range')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_lots_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('tender_id', 'lot_id', name=op.f('uq_lots_tender_id'))
    )
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lots_cpv_main'), ['cpv_main'], unique=False)
        batch_op.create_index(batch_op.f('ix_lots_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_lots_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_lots_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_documents_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_documents'))
    )
    with op.batch_alter_table('tender_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_documents_tender_id'), ['tender_id'], unique=False)

    op.create_table('lot_cpv_codes',
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_cpv_codes_lot_id_lots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lot_id', 'code', name=op.f('pk_lot_cpv_codes'))
    )
    with op.batch_alter_table('lot_cpv_codes', schema=None) as batch_op:
        batch_op.create_index('ix_lot_cpv_codes_code', ['code'], unique=False)

    op.create_table('lot_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.CheckConstraint("kind IN ('price', 'quality', 'social')", name=op.f('ck_lot_criteria_kind_valid')),
    sa.CheckConstraint('weight IS NULL OR (weight >= 0 AND weight <= 100)', name=op.f('ck_lot_criteria_weight_range')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_criteria_lot_id_lots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_criteria'))
    )
    with op.batch_alter_table('lot_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_criteria_lot_id'), ['lot_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lot_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_criteria_lot_id'))

    op.drop_table('lot_criteria')
    with op.batch_alter_table('lot_cpv_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_lot_cpv_codes_code')

    op.drop_table('lot_cpv_codes')
    with op.batch_alter_table('tender_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_documents_tender_id'))

    op.drop_table('tender_documents')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lots_tender_id'))
        batch_op.drop_index(batch_op.f('ix_lots_status'))
        batch_op.drop_index(batch_op.f('ix_lots_department'))
        batch_op.drop_index(batch_op.f('ix_lots_cpv_main'))

    op.drop_table('lots')
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenders_status'))
        batch_op.drop_index(batch_op.f('ix_tenders_buyer_id'))

    op.drop_table('tenders')
