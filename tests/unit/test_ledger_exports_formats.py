"""Each format written from an in-memory snapshot: layout, escaping, amounts, checkers."""

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ledger.exports import FORMATS, ExportError, atomic_output, beancount, fec, hledger, spreadsheet
from ledger.exports.model import Account, Currency, Entry, Filters, Posting, Snapshot

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NASTY = 'Quote " back\\slash ; semi | pipe, comma\ttab\nnewline =cmd é€ 🙂'


def snapshot(description: str = "Order", reference: str | None = "order:1") -> Snapshot:
    """Two members trading euros and a mutual credit, in one transfer of two postings."""
    day = date(2024, 5, 2)
    currencies = {"EUR": Currency("EUR", "Euro", 2, "fiat", day),
                  "mcb": Currency("mcb", 'Crédit "local"', 2, "mutual_credit", day)}
    accounts = {1: Account(1, "EUR", "member:1", NASTY, "open", day, 0, None),
                2: Account(2, "EUR", "member:2", "Main", "open", day),
                3: Account(3, "mcb", "member:1", "Ligne", "open", day, -50000, None),
                4: Account(4, "mcb", None, NASTY, "closed", day)}
    entry = Entry(9, date(2024, 5, 3), day, description, reference, "ab" * 32, None,
                  (Posting(1, 2, 1250, "EUR"), Posting(3, 4, 70001, "mcb")))
    return Snapshot(Filters(), currencies, accounts, 1, date(2024, 5, 4),
                    lambda: iter([entry]), closing={1: -1250, 2: 1250, 3: -70001, 4: 70001})


def written(fmt: str, snap: Snapshot) -> str:
    out = io.StringIO()
    FORMATS[fmt].write(snap, out)
    return out.getvalue()


def test_fec_lines_have_18_columns_decimal_commas_and_foreign_units_apart():
    rows = [line.split("\t") for line in written("fec", snapshot()).splitlines()]
    assert rows[0] == list(fec.COLUMNS) and all(len(r) == 18 for r in rows)
    euro_debit, euro_credit, unit_debit, unit_credit = rows[1:]
    assert euro_debit[:4] == ["OD", "Opérations diverses", "1", "20240503"]
    assert (euro_debit[11], euro_debit[12], euro_credit[11], euro_credit[12]) == (
        "12,50", "0,00", "0,00", "12,50")
    assert (unit_debit[16], unit_debit[17], unit_credit[16]) == ("700,01", "mcb", "-700,01")
    assert unit_debit[11:13] == ["0,00", "0,00"] and euro_debit[16:] == ["", ""]
    assert euro_debit[6:8] == ["L1", NASTY.replace("\t", " ").replace("\n", " ")]
    assert euro_debit[8] == "order:1" and euro_debit[15] == "20240503"


def test_csv_rows_are_signed_from_each_account_and_never_formulas():
    rows = list(csv.DictReader(io.StringIO(written("csv", snapshot(description="=SUM(A1)")))))
    assert [(r["account_id"], r["debit"], r["credit"], r["amount"]) for r in rows] == [
        ("1", "12.50", "", "-12.50"), ("2", "", "12.50", "12.50"),
        ("3", "700.01", "", "-700.01"), ("4", "", "700.01", "700.01")]
    assert rows[0]["description"] == "'=SUM(A1)" and rows[0]["account_name"].startswith("Quote")
    assert spreadsheet.safe("-12") == "'-12" and spreadsheet.safe("plain") == "plain"


def test_beancount_strings_escape_quotes_and_backslashes_on_one_line():
    assert beancount.quote('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c d"'
    text = written("beancount", snapshot())
    assert 'option "operating_currency" "EUR"' in text
    assert "2024-05-04 balance Assets:Members:Member-1:A1-EUR-Quote-back-slash" in text
    assert "close Equity:System:A4-MCB-" in text


def test_hledger_descriptions_lose_comment_and_payee_marks():
    text = written("hledger", snapshot(description="Pay; not a comment | nor a note"))
    assert "2024-05-03 * (9) Pay, not a comment , nor a note\n" in text
    assert 'commodity 1000.00 "MCB-' in text


def checker(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is missing") if IN_CI else pytest.skip(f"{name} is missing")
    return found


@pytest.mark.parametrize("fmt", ["beancount", "hledger"])
def test_nasty_names_descriptions_and_codes_still_pass_the_checkers(fmt, tmp_path):
    path = tmp_path / f"nasty.{fmt}"
    path.write_text(written(fmt, snapshot(description=NASTY, reference=NASTY)))
    command = ([checker("bean-check"), str(path)] if fmt == "beancount" else
               [checker("hledger"), "-f", str(path), "check", "--strict"])
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_interrupted_export_leaves_neither_output_nor_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous")
    with pytest.raises(RuntimeError), atomic_output(target, "utf-8", "\n") as out:
        out.write("half")
        raise RuntimeError("disk gone")
    assert target.read_text() == "previous" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(ExportError, match="Cannot write"):
        with atomic_output(tmp_path / "missing" / "x.csv", "utf-8", "\n"):
            pass


def test_fec_replaces_characters_latin_9_cannot_hold(tmp_path):
    target = tmp_path / "out.fec"
    with atomic_output(target, fec.ENCODING, "\n") as out:
        fec.write(snapshot(description="Café 🙂 €"), out)
    assert "Café ? €" in target.read_bytes().decode(fec.ENCODING)


def test_every_writer_tells_progress_once_per_transfer():
    for module in (beancount, hledger, fec, spreadsheet):
        ticks = []
        module.write(snapshot(), io.StringIO(), ticks.append)
        assert ticks == [1]
