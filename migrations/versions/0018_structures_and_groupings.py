"""structures and groupings: the reach and activities of the structures that answer
tenders (the SIAE directory), and groupings of members answering together

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('structures',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reach', sa.String(length=16), nullable=False),
    sa.Column('radius_km', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reach <> 'radius' OR radius_km BETWEEN 1 AND 1000", name=op.f('ck_structures_radius_given')),
    sa.CheckConstraint("reach IN ('country', 'radius', 'departments')", name=op.f('ck_structures_reach_valid')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_structures_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_structures'))
    )
    op.create_table('structure_activities',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=False),
    sa.Column('service_kind', sa.String(length=16), nullable=False),
    sa.CheckConstraint("service_kind IN ('services', 'staffing', 'manufacturing')", name=op.f('ck_structure_activities_service_kind_valid')),
    sa.ForeignKeyConstraint(['member_id'], ['structures.member_id'], name=op.f('fk_structure_activities_member_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'sector_code', 'service_kind', name=op.f('pk_structure_activities'))
    )
    with op.batch_alter_table('structure_activities', schema=None) as batch_op:
        batch_op.create_index('ix_structure_activities_sector_code', ['sector_code'], unique=False)

    op.create_table('structure_departments',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['structures.member_id'], name=op.f('fk_structure_departments_member_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'department', name=op.f('pk_structure_departments'))
    )
    op.create_table('groupings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('gie', 'joint', 'joint_and_several')", name=op.f('ck_groupings_kind_valid')),
    sa.CheckConstraint("status IN ('proposed', 'active', 'dissolved')", name=op.f('ck_groupings_status_valid')),
    sa.ForeignKeyConstraint(['lead_id'], ['members.id'], name=op.f('fk_groupings_lead_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_groupings_lot_id_lots'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groupings')),
    sa.UniqueConstraint('siret', name=op.f('uq_groupings_siret'))
    )
    with op.batch_alter_table('groupings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_groupings_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_groupings_lot_id'), ['lot_id'], unique=False)

    op.create_table('grouping_members',
    sa.Column('grouping_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('invited', 'accepted', 'declined')", name=op.f('ck_grouping_members_status_valid')),
    sa.ForeignKeyConstraint(['grouping_id'], ['groupings.id'], name=op.f('fk_grouping_members_grouping_id_groupings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_grouping_members_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grouping_id', 'member_id', name=op.f('pk_grouping_members'))
    )
    with op.batch_alter_table('grouping_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grouping_members_member_id'), ['member_id'], unique=False)

    op.create_table('grouping_sectors',
    sa.Column('grouping_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['grouping_id'], ['groupings.id'], name=op.f('fk_grouping_sectors_grouping_id_groupings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grouping_id', 'sector_code', name=op.f('pk_grouping_sectors'))
    )


def downgrade():
    op.drop_table('grouping_sectors')
    with op.batch_alter_table('grouping_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grouping_members_member_id'))

    op.drop_table('grouping_members')
    with op.batch_alter_table('groupings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_groupings_lot_id'))
        batch_op.drop_index(batch_op.f('ix_groupings_lead_id'))

    op.drop_table('groupings')
    op.drop_table('structure_departments')
    with op.batch_alter_table('structure_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_structure_activities_sector_code')

    op.drop_table('structure_activities')
    op.drop_table('structures')
