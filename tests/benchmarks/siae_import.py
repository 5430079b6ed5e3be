"""The SIAE directory's CSV import at scale: `flask siae import` on 5,000 rows, twice.

    .venv/bin/python tests/benchmarks/siae_import.py [--db sqlite|postgresql|both]
        [--rows 5000] [--pg-url URL]

For each database: a scratch one (PostgreSQL: the database in --pg-url, dropped and created
again; SQLite: a temporary file) upgraded with the migrations; a CSV of --rows structures
(valid SIRETs, every inclusion kind, postcodes of every metropolitan department, CPV codes of
the shipped vocabulary, the three reaches, turnovers and headcounts, one bad row in 100);
then the command itself (click's runner, in process) run twice: the first run creates, the
second updates every SIRET. Next to it, the floor: the same members, structures and
activities inserted with SQLAlchemy Core's executemany in one transaction. Target: 5,000
rows in under 60 s.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_siae"
TARGET_S = 60.0
KINDS = ["ACI"] * 5 + ["EI"] * 4 + ["AI"] * 2 + ["ETTI", "EITI", "GEIQ", "EA", "EA", "ESAT"]
CPV = ["77310000", "77311000", "90910000", "90911200", "45421000", "79620000", "55520000",
       "98341130", "60100000", "39000000", "45000000", "90500000", "85311000", "79500000"]


def siret(n: int) -> str:
    """A Luhn-valid SIRET built from ``n``."""
    from stdnum import luhn

    siren = f"{n + 30_000_000:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def directory_csv(rows: int, rng: random.Random) -> str:
    """A directory of ``rows`` structures; one row in 100 is wrong on purpose."""
    from market.offers import places
    from market.procurement.directory import COLUMNS

    centres = sorted(places.department_centroids().items())
    lines = [",".join(COLUMNS)]
    for n in range(rows):
        code, (lat, lon, _region) = rng.choice(centres)
        postcode = {"2A": "20000", "2B": "20200"}.get(code, f"{code}000")
        reach = rng.choice(["radius", "radius", "departments", "country"])
        values = [siret(n), f"Structure {n}", rng.choice(KINDS), postcode, f"Ville {code}",
                  f"{lat + rng.uniform(-0.3, 0.3):.6f}", f"{lon + rng.uniform(-0.3, 0.3):.6f}",
                  " ".join(rng.sample(CPV, rng.randint(1, 3))), reach,
                  str(rng.randint(20, 150)) if reach == "radius" else "",
                  " ".join(c for c, _ in rng.sample(centres, 3)) if reach == "departments"
                  else "", str(rng.randint(50_000, 5_000_000)), str(rng.randint(0, 80))]
        if n % 100 == 99:
            values[2] = "SCOP"  # not an inclusion kind: rejected
        lines.append(",".join(f'"{v}"' for v in values))
    return "\n".join(lines) + "\n"


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


def floor(app, csv_text: str) -> float:
    """Seconds to insert the rows' members, structures and activities with Core, no checks."""
    import csv
    import io

    from market.members.models import Member
    from market.platform.extensions import db
    from market.procurement.models import Structure, StructureActivity

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    with app.app_context():
        began = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(insert(Member.__table__), [
                {"name": r["name"], "siret": "9" + r["siret"][1:], "siren": r["siret"][:9],
                 "legal_form": "other", "inclusion_kind": "ACI", "status": "active",
                 "address": "", "postcode": r["postcode"], "city": r["city"],
                 "department": r["postcode"][:2], "region": "", "country": "FR",
                 "description": "", "website": "", "contact_name": "", "contact_email": "",
                 "contact_phone": "", "created_at": time_now(), "updated_at": time_now()}
                for r in rows])
            ids = [i for (i,) in conn.execute(text(
                "SELECT id FROM members WHERE siret LIKE '9%' ORDER BY id"))]
            conn.execute(insert(Structure.__table__), [
                {"member_id": i, "reach": "country", "radius_km": None,
                 "updated_at": time_now()} for i in ids])
            conn.execute(insert(StructureActivity.__table__), [
                {"member_id": i, "sector_code": "green.maintenance", "service_kind": "services"}
                for i in ids])
        return time.perf_counter() - began


def time_now():
    from market.platform.time import now_utc

    return now_utc()


def run(name: str, url: str, rows: int) -> dict:
    from flask_migrate import upgrade

    from market.platform.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
    csv_text = directory_csv(rows, random.Random(20241202))
    path = Path(tempfile.mkdtemp(prefix="bench_siae_")) / "siae.csv"
    path.write_text(csv_text, encoding="utf-8")
    figures = {"database": name, "rows": rows}
    runner = app.test_cli_runner()
    for label in ("create_s", "update_s"):
        began = time.perf_counter()
        result = runner.invoke(args=["siae", "import", str(path)])
        figures[label] = round(time.perf_counter() - began, 2)
        if result.exit_code != 0:
            raise SystemExit(result.output)
        figures[label.replace("_s", "_said")] = result.output.strip().splitlines()[-1]
    figures["floor_s"] = round(floor(app, csv_text), 2)
    with app.app_context():
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args()
    from market.platform.config import database_url

    results = []
    if args.db in ("sqlite", "both"):
        scratch = Path(tempfile.mkdtemp(prefix="bench_siae_"))
        results.append(run("sqlite", f"sqlite:///{scratch / 'siae.sqlite'}", args.rows))
    if args.db in ("postgresql", "both"):
        url = database_url(args.pg_url)
        recreate_postgresql(url)
        results.append(run("postgresql", url, args.rows))
    print(f"\n{'database':<11}{'rows':>6}{'create s':>10}{'update s':>10}{'floor s':>9}"
          f"{'<= 60 s':>9}")
    for r in results:
        ok = max(r["create_s"], r["update_s"]) <= TARGET_S
        print(f"{r['database']:<11}{r['rows']:>6}{r['create_s']:>10}{r['update_s']:>10}"
              f"{r['floor_s']:>9}{'yes' if ok else 'NO':>9}")
        print(f"  first run: {r['create_said']}; second run: {r['update_said']}")
    print("(floor: the same members, structures and activities inserted with Core's "
          "executemany in one transaction, no checks)")


if __name__ == "__main__":
    main()
