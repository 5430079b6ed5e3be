"""An hledger journal (1.25 syntax): commodities, accounts, transfers, closing assertions.

Closing balances are asserted by one last transaction of zero-amount postings, each with
`= balance`, dated like beancount's checks (the day after the last posting, or 1 January
after a yearly export). Passes `hledger check --strict` (accounts, commodities,
balancednoautoconversion) and the optional `ordereddates` and `uniqueleafnames`.
"""

import re
from collections.abc import Callable
from typing import TextIO

from ledger.core.money import format_amount
from ledger.exports import names
from ledger.exports.journal import Journal, Leg, describe, header_lines
from ledger.exports.model import Entry, Snapshot


def write(snapshot: Snapshot, out: TextIO, progress: Callable[[int], None] | None = None
          ) -> None:
    """Write the snapshot as an hledger journal."""
    journal = Journal(snapshot)
    out.write("\n".join(header_lines(snapshot, ";")) + "\n")
    out.write("decimal-mark .\n\n")
    for code, currency in snapshot.currencies.items():
        # The sample gives the precision; hledger wants its decimal point even with none.
        sample = format_amount(1000 * 10**currency.scale, currency.scale)
        sample += "." if currency.scale == 0 else ""
        out.write(f"commodity {sample} {symbol(journal.commodities[code])}\n"
                  f"  ; name: {comment(currency.name)}, kind: {currency.kind}\n")
    out.write("\n")
    _accounts(snapshot, journal, out)
    if snapshot.start is not None and snapshot.opening:
        out.write(f"{snapshot.start} * Opening balances\n")
        _legs(journal.opening_legs(), out)
    for entry in journal.entries(progress):
        _transaction(entry, journal, out)
    closing = [Leg(leg.account, f"0 = {leg.amount}", leg.commodity)
               for leg in journal.closing()]
    if closing:
        out.write(f"{snapshot.end} * Closing balance assertions\n")
        _legs(closing, out)


def _accounts(snapshot: Snapshot, journal: Journal, out: TextIO) -> None:
    for account in snapshot.accounts.values():
        kind = "A" if journal.paths[account.id].startswith("Assets:") else "E"
        out.write(f"account {journal.paths[account.id]}  ; type: {kind}, id: {account.id}, "
                  f"status: {account.status}\n")
    if snapshot.start is not None and snapshot.opening:
        out.write(f"account {names.OPENING_ACCOUNT}  ; type: E\n")
    out.write("\n")


def _transaction(entry: Entry, journal: Journal, out: TextIO) -> None:
    tags = [f"transfer: {entry.id}", f"hash: {entry.hash}"]
    if entry.reference:
        tags.append(f"reference: {comment(entry.reference)}")
    if entry.reverses is not None:
        tags.append(f"reverses: {entry.reverses}")
    # The description ends at ";" (a comment) and "|" splits payee from note.
    text = re.sub(r"[;|]", ",", describe(entry))
    out.write(f"{entry.date} * ({entry.id}) {text}\n    ; {', '.join(tags)}\n")
    _legs(journal.legs(entry), out)


def _legs(legs: list[Leg], out: TextIO) -> None:
    # Two spaces end an account name; a sign-aligned amount follows.
    for leg in legs:
        amount, _, assertion = leg.amount.partition(" = ")
        line = f"    {leg.account}  {amount} {symbol(leg.commodity)}"
        if assertion:
            line += f" = {assertion} {symbol(leg.commodity)}"
        out.write(line + "\n")
    out.write("\n")


def symbol(code: str) -> str:
    """A commodity symbol, double-quoted unless it is letters only."""
    return code if code.isalpha() else f'"{code}"'


def comment(text: str) -> str:
    """Text safe inside a tag value: one line, no comma (which ends a tag)."""
    return names.one_line(text).replace(",", " ")
