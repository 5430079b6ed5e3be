"""a change of a member's status notifies intercoop_auth, like users, roles and tokens (PostgreSQL only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:00:00

A member's status decides what its users may do (market.auth.roles.STANDING): processes
that remember API callers (market.auth.callers) forget them when it changes.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TRIGGER members_auth_changed AFTER UPDATE OF status OR DELETE OR "
               "TRUNCATE ON members FOR EACH STATEMENT EXECUTE FUNCTION "
               "intercoop_auth_changed()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS members_auth_changed ON members")
