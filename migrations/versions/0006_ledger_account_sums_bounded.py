"""ledger accounts: each stored sum is bounded (postings that cancel out cannot overflow it)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

#: ledger.core.model.MAX_ACCOUNT_SUM when this revision was written.
BOUND = 4 * 10**18
CONDITION = (f"posted_debits <= {BOUND} AND posted_credits <= {BOUND} "
             f"AND pending_debits <= {BOUND} AND pending_credits <= {BOUND}")


def upgrade():
    # SQLite adds a CHECK constraint by rebuilding the table (batch mode).
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.create_check_constraint(op.f("ck_ledger_accounts_sums_bounded"), CONDITION)


def downgrade():
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.drop_constraint("ck_ledger_accounts_sums_bounded", type_="check")
