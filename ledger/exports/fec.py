"""The French Fichier des Écritures Comptables (art. A47 A-1 of the LPF).

Tab-separated, 18 columns, ISO-8859-15 (one of the encodings the article allows;
characters outside it become "?"), dates YYYYMMDD, amounts with a decimal comma. One
entry (EcritureNum, numbered 1, 2, 3... without gaps in date order) per posted transfer,
one line per leg, all in the journal "OD" (opérations diverses); the transfer id is the
PieceRef unless it has a reference. The ledger's debit and credit are the accounting
debit and credit of the network's books.

Accounts: the general account is 467000 (other debtors or creditors) for members'
accounts and 471000 (suspense) for system accounts, to be remapped by the accountant;
the ledger account is the auxiliary account (CompAuxNum `L<id>`).

Currencies: euro legs carry their amounts in Debit/Credit. Other units (mutual credit,
vouchers, shares) have no euro value in the ledger: Debit and Credit are 0,00 and the
amount goes in Montantdevise (positive for a debit, negative for a credit) with the
currency code in Idevise, so each entry balances in euros and in each currency.
"""

from collections.abc import Callable
from typing import TextIO

from ledger.core.money import format_amount
from ledger.exports import names
from ledger.exports.model import Account, Entry, Snapshot

COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum",
           "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib",
           "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise",
           "Idevise")
ENCODING = "iso-8859-15"
EURO = "EUR"
JOURNAL = ("OD", "Opérations diverses")
MEMBER_ACCOUNT = ("467000", "Autres comptes débiteurs ou créditeurs")
SYSTEM_ACCOUNT = ("471000", "Compte d'attente")


def write(snapshot: Snapshot, out: TextIO, progress: Callable[[int], None] | None = None
          ) -> None:
    """Write the snapshot's posted transfers as FEC lines."""
    out.write("\t".join(COLUMNS) + "\n")
    for number, entry in enumerate(snapshot.entries(), start=1):
        for line in _lines(entry, number, snapshot):
            out.write("\t".join(field(value) for value in line) + "\n")
        if progress is not None:
            progress(1)


def _lines(entry: Entry, number: int, snapshot: Snapshot) -> list[tuple]:
    day = entry.date.strftime("%Y%m%d")
    head = (*JOURNAL, str(number), day)
    piece = (entry.reference or f"T{entry.id}", entry.created.strftime("%Y%m%d"),
             names.one_line(entry.description) or f"Virement {entry.id}")
    lines = []
    for p in entry.postings:
        scale = snapshot.currencies[p.currency].scale
        for account_id, sign in ((p.debit, 1), (p.credit, -1)):
            account = snapshot.accounts[account_id]
            lines.append((*head, *_account(account), *piece,
                          *_amounts(sign * p.amount, p.currency, scale), "", "", day,
                          *_foreign(sign * p.amount, p.currency, scale)))
    return lines


def _account(account: Account) -> tuple[str, str, str, str]:
    general = MEMBER_ACCOUNT if account.owner_ref is not None else SYSTEM_ACCOUNT
    return (*general, f"L{account.id}", account.name)


def _amounts(signed: int, currency: str, scale: int) -> tuple[str, str]:
    """Debit and Credit columns: the euro amount on its side, 0,00 elsewhere."""
    if currency != EURO:
        return "0,00", "0,00"
    shown = decimal_comma(abs(signed), scale)
    return (shown, "0,00") if signed > 0 else ("0,00", shown)


def _foreign(signed: int, currency: str, scale: int) -> tuple[str, str]:
    """Montantdevise and Idevise, for units other than the euro."""
    if currency == EURO:
        return "", ""
    return decimal_comma(signed, scale), currency


def decimal_comma(minor: int, scale: int) -> str:
    """An amount with a decimal comma: 1234,50."""
    return format_amount(minor, scale).replace(".", ",")


def field(value: str) -> str:
    """A field without the tabs and line breaks that would break the columns."""
    return names.one_line(str(value))
