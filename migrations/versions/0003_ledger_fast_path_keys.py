"""ledger fast path with idempotency keys: the ledger_apply_keyed() function (PostgreSQL only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:20:00

The function is written out here as this revision created it (see 0002).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

APPLY_KEYED = r"""
CREATE OR REPLACE FUNCTION ledger_apply_keyed(p_now timestamptz, p_doc jsonb) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
    v_key jsonb := p_doc -> 'k';
    v_tids bigint[];
BEGIN
    -- Checked first, so that a replay takes no ids from the sequence.
    IF EXISTS (SELECT 1 FROM ledger_idempotency_keys
               WHERE scope = v_key ->> 's' AND key = v_key ->> 'k') THEN
        RAISE EXCEPTION 'ledger fast path: key already used' USING ERRCODE = 'LDG01';
    END IF;
    v_tids := ledger_apply(p_now, p_doc);
    INSERT INTO ledger_idempotency_keys (scope, key, request_hash, result, created_at)
    SELECT v_key ->> 's', v_key ->> 'k', v_key ->> 'h',
           json_build_object('ok', CASE WHEN v_key ->> 'w' = 'one' THEN r.items -> 0
                                        ELSE r.items END), p_now
    FROM (SELECT jsonb_agg(CASE WHEN v_key ->> 'w' = 'items'
                                THEN jsonb_build_object('ok', true, 'transfer', t.item)
                                ELSE t.item END ORDER BY t.n) AS items
          FROM (SELECT e.value || jsonb_build_object('id', v_tids[e.n]) AS item, e.n
                FROM jsonb_array_elements(v_key -> 'r') WITH ORDINALITY AS e(value, n)) AS t
         ) AS r;
    RETURN v_tids;
END
$fn$
"""


def upgrade():
    # SQLite has no stored functions: the general path serves it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPLY_KEYED)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_apply_keyed(timestamptz, jsonb)")
