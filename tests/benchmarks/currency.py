"""Currencies' periodic jobs at scale: demurrage and a programme's issuance over 100,000
accounts, next to floors measured in the same run, then the webhook replay.

    .venv/bin/python tests/benchmarks/currency.py [--accounts 100000] [--only sqlite|postgresql]

On SQLite (a scratch file) and PostgreSQL (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/intercoop_bench_currency, dropped and created
again), migrated: one currency with monthly demurrage, the accounts inserted in bulk, each
funded in January 2026 through ledger batches of 1,000 trivial transfers (floor 1), then
`demurrage.book_demurrage` for January, again (all already booked), and a programme's
issuance to every account. Floor 2: as many transfer rows written by one INSERT ... SELECT.
Prints one JSON line per database; target >= 5,000 accounts/s on PostgreSQL. Then runs
tests/benchmarks/webhook_replay.py's `run` on a scratch database of each kind.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/intercoop_bench_currency"
JANUARY = datetime(2026, 1, 15, 12, tzinfo=UTC)
TARGET_PG = 5_000


def make_app(url: str):
    from market import create_app
    from market.platform.config import TestConfig

    return create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def recreate_postgresql(url: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def rate(count: int, seconds: float) -> int:
    return int(count / seconds) if seconds > 0 else 0


def build(db, count: int) -> tuple:
    """The currency, ``count`` member accounts (bulk insert) and its commons."""
    from ledger.store.tables import accounts
    from market.currencies import governance
    from market.platform.time import now_utc

    policy = governance.create_currency(db.session, code="BENCH", name="Bench", scale=2,
                                        kind="mutual_credit", demurrage_rate_bp=500,
                                        demurrage_free_base="10.00",
                                        demurrage_period="monthly")
    db.session.commit()
    now = now_utc()
    with db.engine.begin() as conn:
        ids = list(conn.execute(insert(accounts).returning(accounts.c.id), [
            {"currency": "BENCH", "owner_ref": f"member:{n}", "name": f"B{n}",
             "min_balance": 0, "max_balance": None, "status": "open", "posted_debits": 0,
             "posted_credits": 0, "pending_debits": 0, "pending_credits": 0,
             "created_at": now} for n in range(1, count + 1)]).scalars())
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
    return policy.code, policy.issuance_account_id, sorted(ids)


def fund(engine, issuer: int, ids: list[int]) -> float:
    """Floor 1: each account credited once, in ledger batches of 1,000 trivial transfers."""
    import ledger

    began = time.perf_counter()
    for start in range(0, len(ids), 1000):
        ledger.batch(engine, [{"postings": [{"from": issuer, "to": a,
                                             "amount": 10_000 + a % 5_000}]}
                              for a in ids[start:start + 1000]], now=JANUARY)
    return time.perf_counter() - began


def insert_select(engine, count: int) -> float:
    """Floor 2: ``count`` transfer rows written by one INSERT ... SELECT (no checks)."""
    began = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO ledger_transfers (status, pending, reference, description, metadata,"
            " created_at, posted_at, hash) SELECT 'posted', false, 'floor:' || a.id, 'f',"
            " '{}', a.created_at, a.created_at, 'x' FROM ledger_accounts a"
            " WHERE a.currency = 'BENCH' AND a.owner_ref LIKE 'member:%' LIMIT :n"),
            {"n": count})
    return time.perf_counter() - began


def run(name: str, url: str, count: int) -> dict:
    from flask_migrate import upgrade

    from market.currencies import demurrage, programmes
    from market.currencies.models import CurrencyPolicy
    from market.currencies.programme_models import ProgrammeRecipient
    from market.platform.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        code, issuer, ids = build(db, count)
        engine = db.engine
        funding = fund(engine, issuer, ids)
        rules = demurrage.rules_of(db.session.get(CurrencyPolicy, code))
        db.session.rollback()
        began = time.perf_counter()
        charged = demurrage.book_demurrage(engine, rules, date(2026, 1, 20))
        demurrage_s = time.perf_counter() - began
        began = time.perf_counter()
        again = demurrage.book_demurrage(engine, rules, date(2026, 1, 20))
        again_s = time.perf_counter() - began
        programme = programmes.create_programme(db.session, {
            "name": "Bench", "currency": code, "amount": "50.00", "period": "monthly",
            "start_date": date(2026, 1, 1)})
        db.session.commit()
        db.session.execute(insert(ProgrammeRecipient), [
            {"programme_id": programme.id, "account_id": a, "added_at": JANUARY}
            for a in ids])
        db.session.commit()
        recipients = programmes.recipient_ids(db.session, programme.id)
        db.session.expunge(programme)
        db.session.rollback()
        began = time.perf_counter()
        issued = programmes.issue(engine, programme, recipients, date(2026, 2, 1))
        issue_s = time.perf_counter() - began
        floor2 = insert_select(engine, count)
        figures = {
            "database": name, "accounts": count,
            "demurrage_booked": charged.booked, "demurrage_refused": charged.refused,
            "demurrage_accounts_per_s": rate(count, demurrage_s),
            "demurrage_again_already": again.already,
            "demurrage_again_accounts_per_s": rate(count, again_s),
            "issue_booked": issued.booked, "issue_accounts_per_s": rate(count, issue_s),
            "floor_ledger_batch_per_s": rate(count, funding),
            "floor_insert_select_rows_per_s": rate(count, floor2),
        }
        if name == "postgresql":
            figures["target_accounts_per_s"] = TARGET_PG
            figures["meets_target"] = min(figures["demurrage_accounts_per_s"],
                                          figures["issue_accounts_per_s"]) >= TARGET_PG
        db.session.remove()
        engine.dispose()
    print(json.dumps(figures), flush=True)
    return figures


def webhooks(name: str, url: str) -> None:
    """The webhook replay of tests/benchmarks/webhook_replay.py, when it is there."""
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import webhook_replay
    except ImportError:
        print(json.dumps({"database": name, "webhook_replay": "skipped: "
                          "tests/benchmarks/webhook_replay.py is missing"}), flush=True)
        return
    webhook_replay.run(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--no-webhooks", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    scratch = Path(tempfile.mkdtemp(prefix="bench_currency_"))
    pg = os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT)
    cases = []
    if args.only in (None, "sqlite"):
        cases.append(("sqlite", f"sqlite:///{scratch / 'currency.sqlite'}",
                      f"sqlite:///{scratch / 'webhooks.sqlite'}"))
    if args.only in (None, "postgresql"):
        hooks = make_url(pg).set(database=make_url(pg).database + "_webhooks")
        cases.append(("postgresql", pg, hooks.render_as_string(hide_password=False)))
    for name, url, hooks_url in cases:
        if name == "postgresql":
            recreate_postgresql(url)
        run(name, url, args.accounts)
        if not args.no_webhooks:
            if name == "postgresql":
                recreate_postgresql(hooks_url)
            webhooks(name, hooks_url)


if __name__ == "__main__":
    main()
