"""members: a SIRET is unique among approved members only, so that pending claims can contest it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

APPROVED = sa.text("status IN ('active', 'suspended')")


def upgrade():
    # SQLite drops a table's unique constraint by rebuilding the table (batch mode).
    with op.batch_alter_table("members") as batch:
        batch.drop_constraint(op.f("uq_members_siret"), type_="unique")
        batch.create_index(op.f("ix_members_siret"), ["siret"])
    op.create_index("uq_members_siret_approved", "members", ["siret"], unique=True,
                    postgresql_where=APPROVED, sqlite_where=APPROVED)


def downgrade():
    # Refuses, as it must, while two claims share a SIRET.
    op.drop_index("uq_members_siret_approved", table_name="members")
    with op.batch_alter_table("members") as batch:
        batch.drop_index(op.f("ix_members_siret"))
        batch.create_unique_constraint(op.f("uq_members_siret"), ["siret"])
