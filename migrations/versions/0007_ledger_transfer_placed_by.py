"""ledger transfers record who placed them, and a hold who may post it (placer, debtor or creditor)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:00:00

ledger_apply writes both columns; it is written out here as this revision creates it (a
migration never imports the ledger's current code).
"""
import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

APPLY = r"""
CREATE OR REPLACE FUNCTION ledger_apply(p_now timestamptz, p_doc jsonb) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
    v_seq regclass := pg_get_serial_sequence('ledger_transfers', 'id');
    v_tids bigint[];
    v_ids bigint[];
    v_count integer;
    v_done integer;
BEGIN
    -- Ids from the sequence, ascending in the batch's order, as the general path takes them.
    v_tids := ARRAY(SELECT nextval(v_seq)
                    FROM generate_series(1, jsonb_array_length(p_doc -> 't')));

    WITH t AS (
        INSERT INTO ledger_transfers (id, status, pending, expires_at, reference, description,
                                      metadata, reverses, created_at, posted_at, hash,
                                      placed_by, post_by)
        SELECT v_tids[t.n], CASE WHEN t.p THEN 'pending' ELSE 'posted' END, t.p, t.x, t.r,
               t.d, t.m::json, NULL, coalesce(t.w, p_now),
               CASE WHEN t.p THEN NULL ELSE coalesce(t.w, p_now) END, t.h, t.b, t.y
        FROM ROWS FROM (jsonb_to_recordset(p_doc -> 't')
                        AS (p boolean, x timestamptz, r text, d text, m text, h text,
                            w timestamptz, b text, y text))
             WITH ORDINALITY AS t(p, x, r, d, m, h, w, b, y, n)
        RETURNING id, status, hash, created_at)
    INSERT INTO ledger_events (kind, transfer_id, payload, created_at)
    SELECT 'created', t.id, json_build_object('hash', t.hash, 'status', t.status), t.created_at
    FROM t ORDER BY t.id;

    -- Posting ids follow the order of the postings: transfer hashes depend on it.
    -- A posting names its transfer by its 1-based place in the batch.
    INSERT INTO ledger_postings (transfer_id, debit_account_id, credit_account_id, amount,
                                 currency)
    SELECT v_tids[v.t], v.s, v.d, v.a, v.c
    FROM ROWS FROM (jsonb_to_recordset(p_doc -> 'p')
                    AS (t integer, s bigint, d bigint, a bigint, c text))
         WITH ORDINALITY AS v(t, s, d, a, c, n)
    ORDER BY v.n;

    SELECT array_agg(v.id ORDER BY v.id) INTO v_ids
    FROM jsonb_to_recordset(p_doc -> 'a') AS v(id bigint);
    v_count := coalesce(array_length(v_ids, 1), 0);
    -- Ascending id order, like every writer: no deadlock between them.
    PERFORM 1 FROM ledger_accounts WHERE id = ANY(v_ids) ORDER BY id FOR NO KEY UPDATE;

    UPDATE ledger_accounts a
    SET posted_debits = a.posted_debits + v.pd, posted_credits = a.posted_credits + v.pc,
        pending_debits = a.pending_debits + v.qd, pending_credits = a.pending_credits + v.qc,
        hold_expires_at = LEAST(a.hold_expires_at, v.hx)
    FROM jsonb_to_recordset(p_doc -> 'a') AS v(id bigint, c text, s integer, pd bigint,
                                             pc bigint, qd bigint, qc bigint, lo bigint,
                                             hi bigint, hx timestamptz, o jsonb)
    WHERE a.id = v.id AND a.status = 'open' AND a.currency = v.c
      AND (v.o IS NULL OR v.o ? a.owner_ref)
      AND (a.hold_expires_at IS NULL OR a.hold_expires_at > p_now)
      AND (a.min_balance IS NULL
           OR a.posted_credits - a.posted_debits - a.pending_debits + v.lo >= a.min_balance)
      AND (a.max_balance IS NULL
           OR a.posted_credits - a.posted_debits + a.pending_credits + v.hi <= a.max_balance)
      AND EXISTS (SELECT 1 FROM ledger_currencies c WHERE c.code = v.c AND c.scale = v.s);
    GET DIAGNOSTICS v_done = ROW_COUNT;
    IF v_done <> v_count THEN
        -- Tell a stale cache of currencies (LDG02) from a refusal on the figures (LDG01).
        IF EXISTS (SELECT 1 FROM jsonb_to_recordset(p_doc -> 'a') AS v(id bigint, c text,
                                                                     s integer)
                   LEFT JOIN ledger_accounts a ON a.id = v.id
                   LEFT JOIN ledger_currencies c ON c.code = v.c
                   WHERE a.id IS NULL OR a.currency <> v.c
                      OR c.scale IS DISTINCT FROM v.s) THEN
            RAISE EXCEPTION 'ledger fast path: stale account facts' USING ERRCODE = 'LDG02';
        END IF;
        RAISE EXCEPTION 'ledger fast path refused' USING ERRCODE = 'LDG01';
    END IF;
    RETURN v_tids;
END
$fn$
"""

def upgrade():
    with op.batch_alter_table("ledger_transfers") as batch:
        batch.add_column(sa.Column("placed_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("post_by", sa.String(length=8), nullable=True))
    # Holds placed before this revision are posted as they were: by the debited side.
    op.execute("UPDATE ledger_transfers SET post_by = 'debtor' WHERE pending")
    with op.batch_alter_table("ledger_transfers") as batch:
        batch.create_check_constraint(
            op.f("ck_ledger_transfers_post_by"),
            "post_by IS NULL OR (pending AND post_by IN ('placer', 'debtor', 'creditor'))")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPLY)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # ledger_apply as revision 0004 wrote it out.
        scripts = ScriptDirectory.from_config(op.get_context().config)
        op.execute(scripts.get_revision("0004").module.APPLY)
    with op.batch_alter_table("ledger_transfers") as batch:
        batch.drop_constraint(op.f("ck_ledger_transfers_post_by"), type_="check")
        batch.drop_column("post_by")
        batch.drop_column("placed_by")
