"""Beancount v3 input: commodities, accounts, posted transfers, closing balance checks.

Beancount checks a `balance` at the start of its day, so closing balances are dated the
day after the last posting (for a yearly export: 1 January of the next year). A yearly
export opens with one transaction of opening balances against Equity:Opening-Balances,
so the closing checks hold. Closed accounts get a `close` after their (zero) balance
check, except in a yearly export, since the ledger does not record when they closed.
"""

from collections.abc import Callable
from typing import TextIO

from ledger.core.money import format_amount
from ledger.exports import names
from ledger.exports.journal import Journal, Leg, describe, header_lines
from ledger.exports.model import Entry, Snapshot

OPERATING_CURRENCY = "EUR"


def write(snapshot: Snapshot, out: TextIO, progress: Callable[[int], None] | None = None
          ) -> None:
    """Write the snapshot as a beancount file."""
    journal = Journal(snapshot)
    out.write("\n".join(header_lines(snapshot, ";")) + "\n")
    out.write(f'option "title" "Intercoop ledger"\n'
              f'option "operating_currency" "{OPERATING_CURRENCY}"\n\n')
    _commodities(snapshot, journal, out)
    _opens(snapshot, journal, out)
    if snapshot.start is not None and snapshot.opening:
        out.write(f'{snapshot.start} * "Opening balances"\n')
        _legs(journal.opening_legs(), out)
    for entry in journal.entries(progress):
        _transaction(entry, journal, out)
    for leg in journal.closing():
        out.write(f"{snapshot.end} balance {leg.account} {leg.amount} {leg.commodity}\n")
    if snapshot.start is None:
        for account in snapshot.accounts.values():
            if account.status == "closed":
                out.write(f"{snapshot.end} close {journal.paths[account.id]}\n")


def _commodities(snapshot: Snapshot, journal: Journal, out: TextIO) -> None:
    # Dated no later than its first account, which may predate it in imported history.
    first = {code: c.created for code, c in snapshot.currencies.items()}
    for account in snapshot.accounts.values():
        first[account.currency] = min(first[account.currency], account.opened)
    for code, currency in snapshot.currencies.items():
        out.write(f"{first[code]} commodity {journal.commodities[code]}\n"
                  f"  name: {quote(currency.name)}\n  code: {quote(code)}\n"
                  f"  kind: {quote(currency.kind)}\n  scale: {currency.scale}\n\n")


def _opens(snapshot: Snapshot, journal: Journal, out: TextIO) -> None:
    for account in snapshot.accounts.values():
        scale = snapshot.currencies[account.currency].scale
        out.write(f"{account.opened} open {journal.paths[account.id]} "
                  f"{journal.commodities[account.currency]}\n"
                  f"  account-id: {account.id}\n  name: {quote(account.name)}\n")
        if account.owner_ref is not None:
            out.write(f"  owner: {quote(account.owner_ref)}\n")
        for key, limit in (("min-balance", account.min_balance),
                           ("max-balance", account.max_balance)):
            if limit is not None:
                out.write(f"  {key}: {quote(format_amount(limit, scale))}\n")
    if snapshot.start is not None and snapshot.opening:
        out.write(f"{snapshot.start} open {names.OPENING_ACCOUNT}\n")
    out.write("\n")


def _transaction(entry: Entry, journal: Journal, out: TextIO) -> None:
    out.write(f"{entry.date} * {quote(describe(entry))}\n"
              f"  transfer-id: {entry.id}\n  hash: {quote(entry.hash)}\n")
    if entry.reference:
        out.write(f"  reference: {quote(entry.reference)}\n")
    if entry.reverses is not None:
        out.write(f"  reverses: {entry.reverses}\n")
    _legs(journal.legs(entry), out)


def _legs(legs: list[Leg], out: TextIO) -> None:
    out.write("".join(f"  {leg.account}  {leg.amount} {leg.commodity}\n" for leg in legs))
    out.write("\n")


def quote(text: str) -> str:
    """A beancount string on one line, backslashes and double quotes escaped."""
    escaped = names.one_line(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
