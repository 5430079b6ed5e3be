"""`flask ledger export` on SQLite and PostgreSQL, checked by beancount, hledger and by hand."""

import csv
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

import ledger

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: A share currency whose code is not a valid beancount commodity, to exercise the mapping.
SHARES = "Parts Coop"


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def build_ledger(engine) -> SimpleNamespace:
    """EUR, a mutual credit and shares; transfers over 2024-2025, holds, a reversal."""
    ledger.create_currency(engine, "EUR", "Euro", 2, "fiat")
    ledger.create_currency(engine, "MCB", "Monnaie du Bassin", 2, "mutual_credit")
    ledger.create_currency(engine, SHARES, "Parts sociales", 0, "share")

    def account(currency, name, owner=None, low=0):
        return ledger.create_account(engine, currency, name, owner_ref=owner,
                                     min_balance=low)["id"]

    a = SimpleNamespace(
        clearing=account("EUR", "Stripe clearing", low=None),
        eur1=account("EUR", "Compte courant", "member:1"),
        eur2=account("EUR", "Main", "member:2"),
        eur3=account("EUR", "Dormant", "member:3"),
        mcb1=account("MCB", "Ligne de crédit", "member:1", "-500.00"),
        mcb2=account("MCB", "Ligne de crédit", "member:2", "-500.00"),
        capital=account(SHARES, "Capital", low=None),
        parts1=account(SHARES, "Parts", "member:1"))

    def pay(postings, day, **kwargs):
        return ledger.transfer(engine, postings, now=day, **kwargs)["id"]

    pay([{"from": a.clearing, "to": a.eur1, "amount": "150.00"},
         {"from": a.clearing, "to": a.eur2, "amount": "80.00"},
         {"from": a.clearing, "to": a.eur3, "amount": "5.00"}], at(2024, 3, 1),
        description='Top-up "March"; Épargne\nsecond line', reference="stripe:pi_1")
    pay([{"from": a.eur1, "to": a.eur2, "amount": "40.00"},
         {"from": a.mcb1, "to": a.mcb2, "amount": "125.50"}], at(2024, 6, 10),
        description="Order 1: vegetables", reference="order:1")
    pay([{"from": a.capital, "to": a.parts1, "amount": "3"}], at(2024, 7, 1),
        description="=1+1 share subscription")
    pay([{"from": a.eur3, "to": a.clearing, "amount": "5.00"}], at(2024, 8, 1))
    ledger.close_account(engine, a.eur3)
    held = ledger.hold(engine, [{"from": a.eur2, "to": a.eur1, "amount": "10.00"}],
                       timeout_seconds=200 * 86400, now=at(2024, 11, 1))["id"]
    ledger.post_pending(engine, held, now=at(2025, 1, 15))
    voided = ledger.hold(engine, [{"from": a.eur1, "to": a.eur2, "amount": "9.99"}],
                         reference="hold:voided", now=at(2025, 1, 20))["id"]
    ledger.void_pending(engine, voided, now=at(2025, 1, 21))
    mistake = pay([{"from": a.mcb2, "to": a.mcb1, "amount": "7.00"}], at(2025, 2, 1))
    ledger.reverse(engine, mistake, now=at(2025, 2, 2))
    return SimpleNamespace(accounts=a, voided=voided, held=held, mistake=mistake)


@pytest.fixture
def engine(db):
    return db.engine


@pytest.fixture
def book(engine):
    return build_ledger(engine)


@pytest.fixture
def outputs(tmp_path) -> Path:
    """A folder for exports only (the SQLite database lives in tmp_path)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def tool(name: str) -> str:
    """The path of a checker; missing, it fails the run under CI=true and skips otherwise."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        message = f"{name} is not installed"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    return found


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def export(runner, tmp_path, fmt, *options) -> Path:
    path = tmp_path / f"ledger.{fmt}"
    result = runner.invoke(args=["ledger", "export", "--format", fmt, "--output", str(path),
                                 *options])
    assert result.exit_code == 0, result.output
    return path


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def ledger_balances(engine, **filters) -> dict[int, Decimal]:
    """The ledger's own posted balance of every account."""
    return {a["id"]: Decimal(a["balance"]) for a in ledger.list_accounts(engine, **filters)}


def tool_balances(rows) -> dict[int, Decimal]:
    """Balances keyed by ledger account id, from (account path, "amount commodity") rows."""
    found = {}
    for path, amount in rows:
        match = re.search(r":A(\d+)-[^:]*$", path)
        number = re.search(r"-?\d+(\.\d+)?", amount)
        if match and number:
            found[int(match.group(1))] = Decimal(number.group(0))
    return found


def bean_balances(path: Path) -> dict[int, Decimal]:
    out = run(tool("bean-query"), "-f", "csv", str(path),
              "SELECT account, sum(position) GROUP BY account")
    return tool_balances(csv.reader(out.splitlines()[1:]))


def hledger_balances(path: Path) -> dict[int, Decimal]:
    out = run(tool("hledger"), "-f", str(path), "balance", "--flat", "-E", "-O", "csv")
    return tool_balances(csv.reader(out.splitlines()[1:]))


def test_beancount_export_passes_bean_check_and_matches_the_ledgers_balances(
        runner, engine, book, tmp_path):
    path = export(runner, tmp_path, "beancount")
    run(tool("bean-check"), str(path))
    expected = ledger_balances(engine)
    assert bean_balances(path) == {i: b for i, b in expected.items() if b}
    text = path.read_text()
    assert text.count(" balance ") == len(expected)
    assert f"close Assets:Members:Member-3:A{book.accounts.eur3}-EUR-Dormant" in text
    assert 'commodity PARTS-COOP-' in text and 'code: "Parts Coop"' in text


def test_hledger_export_passes_hledger_check_and_matches_the_ledgers_balances(
        runner, engine, book, tmp_path):
    path = export(runner, tmp_path, "hledger")
    hledger = tool("hledger")
    run(hledger, "-f", str(path), "check")
    run(hledger, "-f", str(path), "check", "--strict")
    run(hledger, "-f", str(path), "check", "accounts", "commodities",
        "balancednoautoconversion", "ordereddates", "uniqueleafnames")
    assert hledger_balances(path) == ledger_balances(engine)


def test_a_voided_hold_is_in_no_export_but_the_posted_hold_is(runner, engine, book, tmp_path):
    for fmt in ("beancount", "hledger", "csv", "fec"):
        text = export(runner, tmp_path, fmt).read_text(encoding="iso-8859-15")
        assert "9.99" not in text and "9,99" not in text and "hold:voided" not in text
        assert "10.00" in text or "10,00" in text
    rows = csv_rows(export(runner, tmp_path, "csv"))
    ids = {int(r["transfer_id"]) for r in rows}
    assert book.held in ids and book.voided not in ids
    assert book.mistake in ids and book.mistake + 1 in ids


def test_csv_has_one_row_per_leg_and_balances_per_currency(runner, engine, book, tmp_path):
    path = export(runner, tmp_path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = csv_rows(path)
    assert len(rows) == 2 * 10  # 10 postings in 7 posted transfers
    totals = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for r in rows:
        t = totals[r["currency"]]
        t[0] += Decimal(r["debit"] or 0)
        t[1] += Decimal(r["credit"] or 0)
        t[2] += Decimal(r["amount"])
    assert set(totals) == {"EUR", "MCB", SHARES}
    assert all(debits == credits and net == 0 for debits, credits, net in totals.values())
    by_account = defaultdict(Decimal)
    for r in rows:
        by_account[int(r["account_id"])] += Decimal(r["amount"])
    assert {i: b for i, b in by_account.items() if b} == {
        i: b for i, b in ledger_balances(engine).items() if b}
    top_up = next(r for r in rows if r["reference"] == "stripe:pi_1")
    assert top_up["description"] == 'Top-up "March"; Épargne second line'
    assert any(r["description"] == "'=1+1 share subscription" for r in rows)


def test_fec_has_18_columns_and_every_entry_balances(runner, engine, book, tmp_path):
    path = export(runner, tmp_path, "fec", "--year", "2024")
    lines = path.read_text(encoding="iso-8859-15").splitlines()
    rows = [line.split("\t") for line in lines]
    assert rows[0][:3] == ["JournalCode", "JournalLib", "EcritureNum"]
    assert all(len(r) == 18 for r in rows)
    entries = defaultdict(lambda: defaultdict(Decimal))
    for r in rows[1:]:
        assert r[3].startswith("2024") and len(r[3]) == 8
        sums = entries[r[2]]
        sums["EUR"] += Decimal(r[11].replace(",", ".")) - Decimal(r[12].replace(",", "."))
        if r[17]:
            sums[r[17]] += Decimal(r[16].replace(",", "."))
    assert sorted(entries, key=int) == [str(n) for n in range(1, 5)]
    assert all(total == 0 for sums in entries.values() for total in sums.values())
    assert any(r[17] == "MCB" and r[16] == "125,50" for r in rows)


@pytest.mark.parametrize("fmt", ["beancount", "hledger"])
def test_a_yearly_export_opens_with_balances_and_checks_the_years_end(
        runner, engine, book, tmp_path, fmt):
    path = export(runner, tmp_path, fmt, "--year", "2025")
    if fmt == "beancount":
        run(tool("bean-check"), str(path))
        found = bean_balances(path)
    else:
        run(tool("hledger"), "-f", str(path), "check", "accounts", "commodities",
            "ordereddates")
        found = {i: b for i, b in hledger_balances(path).items() if b}
    expected = {i: Decimal(ledger.statement(engine, i, end=at(2026, 1, 1))["closing_balance"])
                for i in ledger_balances(engine)}
    assert found == {i: b for i, b in expected.items() if b}
    assert "2024-06-10 *" not in path.read_text() and "2025-02-02 *" in path.read_text()


@pytest.mark.parametrize("fmt", ["beancount", "hledger"])
def test_a_member_export_keeps_whole_transfers_and_passes_the_checkers(
        runner, engine, book, tmp_path, fmt):
    path = export(runner, tmp_path, fmt, "--member", "member:2", "--currency", "MCB")
    checker = [tool("bean-check")] if fmt == "beancount" else [tool("hledger"), "-f"]
    run(*checker, str(path)) if fmt == "beancount" else run(*checker, str(path), "check")
    text = path.read_text()
    assert f"A{book.accounts.mcb1}-MCB" in text and "-EUR-" not in text
    assert f"A{book.accounts.mcb2}-MCB" in text
    assert text.count("= ") <= 2 and "Capital" not in text


@pytest.mark.parametrize("args, message", [
    (["--format", "xls"], "Invalid value for '--format'"),
    (["--format", "beancount", "--currency", "XYZ"], "Unknown currency 'XYZ'"),
    (["--format", "csv", "--member", "member:404"], "No account is owned by 'member:404'"),
    (["--format", "fec", "--year", "1850"], "Invalid value for '--year'"),
])
def test_bad_arguments_exit_non_zero_with_a_message_and_write_nothing(
        runner, book, outputs, args, message):
    path = outputs / "out.txt"
    result = runner.invoke(args=["ledger", "export", "--output", str(path), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert list(outputs.iterdir()) == []


def test_an_unwritable_output_exits_non_zero_and_leaves_nothing(runner, book, outputs):
    missing = outputs / "no" / "such" / "dir" / "out.beancount"
    result = runner.invoke(args=["ledger", "export", "--format", "beancount",
                                 "--output", str(missing)])
    assert result.exit_code == 1 and "Cannot write" in result.output
    assert list(outputs.iterdir()) == []
    existing = outputs / "kept.csv"
    existing.write_text("old")
    result = runner.invoke(args=["ledger", "export", "--format", "hledger", "--output",
                                 str(outputs), "--year", "2024"])
    assert result.exit_code != 0
    assert existing.read_text() == "old" and sorted(outputs.iterdir()) == [existing]


def check_journal(fmt: str, path: Path) -> None:
    """Run beancount's or hledger's checker on an exported file."""
    if fmt == "beancount":
        run(tool("bean-check"), str(path))
    else:
        run(tool("hledger"), "-f", str(path), "check", "--strict", "ordereddates")


@pytest.mark.parametrize("fmt", ["beancount", "hledger"])
def test_a_member_export_of_one_year_balances_its_counter_accounts_with_opening_equity(
        runner, engine, book, tmp_path, fmt):
    path = export(runner, tmp_path, fmt, "--member", "member:1", "--year", "2025")
    check_journal(fmt, path)
    text = path.read_text()
    assert "Equity:Opening-Balances  -110.00 EUR" in text  # member:1's euros before 2025
    expected = {i: Decimal(ledger.statement(engine, i, end=at(2026, 1, 1))["closing_balance"])
                for i in (book.accounts.eur1, book.accounts.mcb1, book.accounts.parts1)}
    found = bean_balances(path) if fmt == "beancount" else hledger_balances(path)
    assert {i: found.get(i, Decimal(0)) for i in expected} == expected


def test_a_transfer_committed_during_the_export_is_not_in_it(engine, book, outputs):
    """The export reads one snapshot: a concurrent writer changes neither rows nor balances."""
    from ledger.exports import export_ledger

    a = book.accounts
    seen = []

    def progress(snapshot):
        def tick(n):
            if not seen:
                ledger.transfer(engine, [{"from": a.clearing, "to": a.eur2,
                                          "amount": "33.33"}])
            seen.append(n)
        return tick

    path = outputs / "during.beancount"
    done = export_ledger(engine, "beancount", path, progress=progress)
    assert done["transfers"] == len(seen) == 7
    run(tool("bean-check"), str(path))
    assert "33.33" not in path.read_text()
    assert Decimal(ledger.get_account(engine, a.eur2)["balance"]) == bean_balances(path)[
        a.eur2] + Decimal("33.33")
