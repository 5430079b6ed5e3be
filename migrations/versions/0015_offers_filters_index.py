"""offers: an index for the search's filters (status, sector, kind, price)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_offers_status_sector_kind_price', 'offers',
                    ['status', 'sector_code', 'kind', 'price_minor'], unique=False)


def downgrade():
    op.drop_index('ix_offers_status_sector_kind_price', table_name='offers')
