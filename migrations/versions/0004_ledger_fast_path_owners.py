"""ledger fast path checks who may debit: ledger_apply() with the owners of debited accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 00:40:00

"""
from alembic import op

from ledger.store import pgfunctions

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite has no stored functions: the general path serves it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(pgfunctions.APPLY)


def downgrade():
    # The new ledger_apply applies documents without owners exactly as the old one did,
    # and code of revision 0003 never sends owners: nothing to undo.
    pass
