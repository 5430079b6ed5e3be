"""What beancount and hledger files share: names, signed legs, opening balances."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ledger.core.money import format_amount
from ledger.exports import names
from ledger.exports.model import Entry, ExportError, Snapshot


@dataclass(frozen=True)
class Leg:
    """One line of a journal transaction: an account path and a signed amount."""

    account: str
    amount: str
    commodity: str


class Journal:
    """The names and amounts of one snapshot, as both plain-text journals write them."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.commodities = {code: names.commodity(code) for code in snapshot.currencies}
        if len(set(self.commodities.values())) != len(self.commodities):
            raise ExportError("Two currency codes map to the same commodity name.")
        self.scales = {code: c.scale for code, c in snapshot.currencies.items()}
        self.paths = {a.id: names.account_name(a, snapshot.currencies[a.currency])
                      for a in snapshot.accounts.values()}

    def amount(self, minor: int, currency: str) -> str:
        """Minor units as a decimal with the currency's scale."""
        return format_amount(minor, self.scales[currency])

    def legs(self, entry: Entry) -> list[Leg]:
        """Each posting as two legs: minus on the account debited, plus on the credited."""
        legs = []
        for p in entry.postings:
            symbol = self.commodities[p.currency]
            legs.append(Leg(self.paths[p.debit], self.amount(-p.amount, p.currency), symbol))
            legs.append(Leg(self.paths[p.credit], self.amount(p.amount, p.currency), symbol))
        return legs

    def opening_legs(self) -> list[Leg]:
        """A yearly export's opening balances, each currency balanced by the opening account."""
        totals: dict[str, int] = {}
        legs = []
        for account_id, balance in sorted(self.snapshot.opening.items()):
            currency = self.snapshot.accounts[account_id].currency
            totals[currency] = totals.get(currency, 0) + balance
            legs.append(Leg(self.paths[account_id], self.amount(balance, currency),
                            self.commodities[currency]))
        legs += [Leg(names.OPENING_ACCOUNT, self.amount(-total, code), self.commodities[code])
                 for code, total in sorted(totals.items()) if total]
        return legs

    def closing(self) -> Iterator[Leg]:
        """The balance of every account whose whole history is exported."""
        for account_id, balance in sorted(self.snapshot.closing.items()):
            currency = self.snapshot.accounts[account_id].currency
            yield Leg(self.paths[account_id], self.amount(balance, currency),
                      self.commodities[currency])

    def entries(self, progress: Callable[[int], None] | None) -> Iterator[Entry]:
        """Stream the snapshot's entries, reporting each one to `progress`."""
        for entry in self.snapshot.entries():
            yield entry
            if progress is not None:
                progress(1)


def describe(entry: Entry) -> str:
    """A transfer's description on one line, or a default naming it."""
    return names.one_line(entry.description) or f"Transfer {entry.id}"


def header_lines(snapshot: Snapshot, comment: str) -> list[str]:
    """Comment lines saying what the file holds and which filters made it."""
    f = snapshot.filters
    shown = ", ".join(f"{k}={names.one_line(str(v))}" for k, v in (("currency", f.currency),
                                              ("member", f.member), ("year", f.year)) if v)
    lines = [f"{comment} Intercoop ledger export: {snapshot.count} posted transfer(s), "
             f"{len(snapshot.accounts)} account(s); filters: {shown or 'none'}.",
             f"{comment} Amounts are seen from each account: + money in (ledger credit), "
             "- money out (ledger debit)."]
    if f.member is not None:
        lines.append(f"{comment} Counter-accounts of other owners appear only through the "
                     "exported transfers, without balance assertions.")
    return lines
