"""changes to users, roles and API tokens notify the channel intercoop_auth (PostgreSQL only)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = {"users": "UPDATE OR DELETE OR TRUNCATE",
          "user_roles": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
          "api_tokens": "UPDATE OR DELETE OR TRUNCATE"}


def upgrade():
    # market.auth.callers: processes that remember API callers forget them on a notification,
    # delivered at commit. SQLite keeps no such memory.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION intercoop_auth_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('intercoop_auth', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table, events in TABLES.items():
        op.execute(f"CREATE TRIGGER {table}_auth_changed AFTER {events} ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION intercoop_auth_changed()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_changed ON {table}")
    op.execute("DROP FUNCTION IF EXISTS intercoop_auth_changed()")
