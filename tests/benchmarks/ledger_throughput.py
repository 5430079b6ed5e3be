"""Ledger throughput: transfers/s and latency percentiles, compared with pgbench on PostgreSQL.

    .venv/bin/python tests/benchmarks/ledger_throughput.py --database-url URL [--seconds 8]

Recreates the ledger's tables in the database at URL (use a scratch database), creates
10,000 accounts, and prints one JSON line per case: single transfers at 1 and 8 workers
(uniform accounts, then all debits from one hot account), batches of 100, the HTTP endpoint
through gunicorn at 8 clients (tests/benchmarks/ledger_http.py on a scratch database) and,
on PostgreSQL, pgbench (TPC-B, scale 10, 8 clients, 20 s) in a scratch database with ratios.
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import ledger  # noqa: E402
import market.platform.database  # noqa: E402, F401  (SQLite pragmas and BEGIN IMMEDIATE)
from ledger.store import pgfunctions  # noqa: E402
from ledger.store.tables import accounts, metadata  # noqa: E402
from ledger.store.types import now_utc  # noqa: E402

ACCOUNTS = 10_000
CURRENCY = "BENCH"
TARGETS = {"single_8": 0.5, "hot_8": 0.3, "batch_100": 3.0, "http_8": 0.25}


def setup(url: str) -> list[int]:
    """Recreate the ledger tables and create the accounts; return their ids (hot one first)."""
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            pgfunctions.install(conn)  # what migration 0002 creates: the fast path
    ledger.create_currency(engine, CURRENCY, "Benchmark", 2, "mutual_credit")
    hot = ledger.create_account(engine, CURRENCY, "hot", min_balance=None)["id"]
    now = now_utc()
    rows = [{"currency": CURRENCY, "name": f"acc {i}", "owner_ref": str(i),
             "min_balance": -10**12, "max_balance": None, "status": "open",
             "posted_debits": 0, "posted_credits": 0, "pending_debits": 0,
             "pending_credits": 0, "created_at": now} for i in range(ACCOUNTS - 1)]
    with engine.begin() as conn:
        conn.execute(insert(accounts), rows)
    if engine.dialect.name == "postgresql":
        # Statistics, as a database in service has them: before autovacuum gets to the new
        # tables, plans assume they are empty and the first cases run slower than the rest.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    ids = [hot] + list(range(hot + 1, hot + ACCOUNTS))
    engine.dispose()
    return ids


def legs(rng: random.Random, ids: list[int], hot: bool) -> list[dict]:
    """One posting between two random accounts, or from the hot account (ids[0])."""
    # Member ids are consecutive (setup), so draw them without copying a 10,000-item list.
    source, target = rng.sample(range(ids[1], ids[-1] + 1), 2)
    return [{"from": ids[0] if hot else source, "to": target,
             "amount": f"{rng.randint(1, 99999) / 100:.2f}"}]


def worker(url, ids, case, start, seconds, seed, queue) -> None:
    """Run one case until the deadline; report (count, latencies, refusals)."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    rng = random.Random(seed)
    latencies, count, refused = [], 0, 0
    with engine.connect() as conn:
        while time.time() < start:
            time.sleep(0.001)
        deadline = start + seconds
        while (began := time.perf_counter()) and time.time() < deadline:
            try:
                if case == "batch_100":
                    ledger.batch(conn, [{"postings": legs(rng, ids, False)}
                                        for _ in range(100)])
                    count += 100
                else:
                    ledger.transfer(conn, legs(rng, ids, case == "hot"))
                    count += 1
            except ledger.LedgerError:
                refused += 1
            latencies.append(time.perf_counter() - began)
    engine.dispose()
    queue.put((count, latencies, refused))


def run_case(url, ids, case, workers, seconds) -> dict:
    """Run `workers` processes of one case at once; aggregate their figures."""
    queue = mp.get_context("fork").Queue()
    start = time.time() + 1.0
    procs = [mp.get_context("fork").Process(
        target=worker, args=(url, ids, case, start, seconds, seed, queue))
        for seed in range(workers)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = sorted(x for _, lat, _ in results for x in lat)
    total = sum(count for count, _, _ in results)
    pick = (lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))]
                            * 1000, 2)) if latencies else (lambda q: None)
    return {"case": case, "workers": workers, "seconds": seconds, "transfers": total,
            "transfers_per_s": round(total / seconds, 1), "p50_ms": pick(0.50),
            "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "refused": sum(r for _, _, r in results)}


def pgbench(url: str, seconds: int = 20) -> float | None:
    """TPC-B on the same server, scale 10, 8 clients, in a scratch database `<name>_pgbench`."""
    if not shutil.which("pgbench"):
        return None
    parts = make_url(url)
    env = {**os.environ, "PGHOST": parts.host or "127.0.0.1", "PGPORT": str(parts.port or 5432),
           "PGUSER": parts.username or "postgres"}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    scratch = f"{parts.database}_pgbench"  # one per benchmark database: runs may overlap
    subprocess.run(["dropdb", "--if-exists", scratch], env=env, check=True, capture_output=True)
    subprocess.run(["createdb", scratch], env=env, check=True)
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", scratch], env=env, check=True,
                   capture_output=True)
    out = subprocess.run(["pgbench", "-c", "8", "-j", "2", "-T", str(seconds), scratch],
                         env=env, check=True, capture_output=True, text=True).stdout
    subprocess.run(["dropdb", "--if-exists", scratch], env=env, check=True, capture_output=True)
    for line in out.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    return None


def http_leg(url: str, seconds: int) -> dict | None:
    """The HTTP endpoint through gunicorn at 8 clients, run by ledger_http.py on its own DB.

    The API needs the migrated schema, so it gets a scratch database of its own next to this
    one (`<name>_http` on PostgreSQL, a temporary file on SQLite); pgbench is run here.
    """
    parts = make_url(url)
    if url.startswith("postgresql"):
        target = parts.set(database=f"{parts.database}_http")
        admin = create_engine(parts.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
        admin.dispose()
    else:
        target = make_url(f"sqlite:///{Path(parts.database).with_suffix('.http.sqlite')}")
        Path(target.database).unlink(missing_ok=True)
    script = Path(__file__).with_name("ledger_http.py")
    out = subprocess.run([sys.executable, str(script), "--database-url",
                          target.render_as_string(hide_password=False), "--seconds",
                          str(seconds), "--no-pgbench"], check=True, capture_output=True,
                         text=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return next((line for line in lines if line.get("case") == "http_8"), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--cases", default="single_1,single_8,hot_8,batch_100_1,batch_100_2")
    args = parser.parse_args()
    url = args.database_url
    on_postgres = url.startswith("postgresql")
    # The machine is shared: pgbench runs before and after, and the ratios use the mean.
    before = pgbench(url, args.pgbench_seconds) if on_postgres else None
    ids = setup(url)
    figures = {}
    for name in args.cases.split(","):
        case, workers = name.rsplit("_", 1)
        result = run_case(url, ids, case, int(workers), args.seconds)
        result["case"] = name
        figures[name] = result["transfers_per_s"]
        print(json.dumps(result), flush=True)
    report = ledger.verify(create_engine(url))
    print(json.dumps({"case": "verify", **report}), flush=True)
    http = http_leg(url, args.seconds)
    if http:
        print(json.dumps(http), flush=True)
        figures["http_8"] = http["transfers_per_s"]
    if on_postgres:
        after = pgbench(url, args.pgbench_seconds)
        print_ratios(figures, before, after)


def print_ratios(figures: dict, before: float | None, after: float | None) -> None:
    """Print pgbench's figure B and each case's ratio to it, with the issue's targets."""
    runs = [tps for tps in (before, after) if tps]
    print(json.dumps({"case": "pgbench", "tps_before": before, "tps_after": after}),
          flush=True)
    if not runs:
        return
    tps = sum(runs) / len(runs)
    batches = [v for k, v in figures.items() if k.startswith("batch_100")]
    ratios = {"single_8": figures.get("single_8"), "hot_8": figures.get("hot_8"),
              "batch_100": max(batches) if batches else None, "http_8": figures.get("http_8")}
    print(json.dumps({"case": "ratios_to_pgbench", "pgbench_tps": round(tps, 1), **{
        k: {"ratio": round(v / tps, 2), "target": TARGETS[k]}
        for k, v in ratios.items() if v}}), flush=True)


if __name__ == "__main__":
    main()
