"""Server-side functions of the PostgreSQL fast path, as the ledger's code expects them now.

`ledger_apply(now, doc)` writes transfers that Python has already checked and hashed, and
returns their ids (from the table's sequence, so in creation order), in one statement (one
round trip, commit included, in autocommit). Each transfer carries the time it was hashed
with (`w`; `now` when absent): a group commit writes transfers of several requests; and who
placed it (`b`) and, for a hold, who may post it (`y`).

It decides nothing: it inserts the rows, locks every touched account in ascending id order
and applies the net deltas only if each account is open, has the expected currency and
scale, carries no hold due to expire, stays within its limits at every step of the batch
(the prefix extremes `lo`/`hi` that Python computed) and, when it lists the owners it
must have (`o`: those its debiting callers may debit), belongs to one of them. Otherwise
it raises SQLSTATE LDG01 (LDG02 when the client's cached currencies were stale) and the
client takes the general path, which finds and names the refusal. The CHECK constraints
stay the backstop.

The document is jsonb, parsed once (json would be parsed again by every `->`); metadata
travels in it as a string, so its text is stored exactly as the general path stores it.
Rows are inserted before the accounts are locked, so the locks are held only for the
account update and the commit: the foreign-key checks of the inserts take FOR KEY SHARE,
which does not conflict with the FOR NO KEY UPDATE locks writers take on accounts.
Changing a function means a new migration that writes out the new version (a migration
never imports this module: what it creates must not change once released); a test checks
that the migrations' head creates exactly these. `install` creates them in a database
built without the migrations (the throughput benchmark's).
"""

from sqlalchemy.engine import Connection

#: The SQLSTATE raised when the fast path does not apply; the client falls back.
FALLBACK_SQLSTATE = "LDG01"
#: Raised instead when an account's cached currency (or its scale) was wrong.
STALE_SQLSTATE = "LDG02"

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

DROP = "DROP FUNCTION IF EXISTS ledger_apply(timestamptz, jsonb)"

#: ledger_apply, then the idempotency key stored with the result, in the same transaction.
#: The document adds `k`: scope `s`, key `k`, request hash `h`, the result's transfers `r`
#: (ids to fill in) and its shape `w` (one transfer, a list, or a list of {ok, transfer}).
#: A key already taken (found, or a unique violation under a race) sends the request to
#: the general path, which replays the stored result or reports the conflict.
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

DROP_KEYED = "DROP FUNCTION IF EXISTS ledger_apply_keyed(timestamptz, jsonb)"


def install(conn: Connection) -> None:
    """Create the fast path's functions afresh through a SQLAlchemy connection."""
    for statement in (DROP, DROP_KEYED, APPLY, APPLY_KEYED):
        conn.exec_driver_sql(statement)
