"""CSV for spreadsheets: one row per leg of every posted transfer.

UTF-8 with a byte-order mark (so that Excel reads accents), comma separated, fields
quoted when needed, amounts as decimal strings with a point and the currency's scale.
`amount` is signed from the account's side (+ credit, money in; - debit, money out);
`debit` and `credit` hold the unsigned amount in the matching column. Texts that a
spreadsheet would run as a formula (starting with = + - @) are prefixed with a quote.
"""

import csv
from collections.abc import Callable
from typing import TextIO

from ledger.core.money import format_amount
from ledger.exports import names
from ledger.exports.model import Entry, Snapshot

COLUMNS = ("transfer_id", "date", "status", "account_id", "account_name", "currency",
           "debit", "credit", "amount", "reference", "description", "hash")
ENCODING = "utf-8-sig"


def write(snapshot: Snapshot, out: TextIO, progress: Callable[[int], None] | None = None
          ) -> None:
    """Write the snapshot's posted transfers as CSV rows, one per leg."""
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow(COLUMNS)
    for entry in snapshot.entries():
        rows.writerows(_rows(entry, snapshot))
        if progress is not None:
            progress(1)


def _rows(entry: Entry, snapshot: Snapshot) -> list[list]:
    rows = []
    for p in entry.postings:
        scale = snapshot.currencies[p.currency].scale
        shown = format_amount(p.amount, scale)
        for account_id, debit, credit, sign in ((p.debit, shown, "", -1),
                                                (p.credit, "", shown, 1)):
            rows.append([entry.id, entry.date.isoformat(), "posted", account_id,
                         safe(snapshot.accounts[account_id].name), p.currency, debit, credit,
                         format_amount(sign * p.amount, scale), safe(entry.reference or ""),
                         safe(names.one_line(entry.description)), entry.hash])
    return rows


def safe(text: str) -> str:
    """Text a spreadsheet shows as text, never evaluates as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
