"""ledger fast path with idempotency keys: the ledger_apply_keyed() function (PostgreSQL only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:20:00

"""
from alembic import op

from ledger.store import pgfunctions

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite has no stored functions: the general path serves it.
    if op.get_bind().dialect.name == "postgresql":
        for statement in pgfunctions.KEYED_CREATE_STATEMENTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in pgfunctions.KEYED_DROP_STATEMENTS:
            op.execute(statement)
