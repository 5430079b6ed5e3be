"""ledger fast path: the ledger_apply() function (PostgreSQL only)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:40:00

"""
from alembic import op

from ledger.store import pgfunctions

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite has no stored functions: the general path serves it.
    if op.get_bind().dialect.name == "postgresql":
        for statement in pgfunctions.CREATE_STATEMENTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in pgfunctions.DROP_STATEMENTS:
            op.execute(statement)
