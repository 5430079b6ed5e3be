"""Names that accounting tools accept: commodities, account paths, one-line texts.

Beancount and hledger files use the same names, so that their reports can be compared.

Commodities: a ledger code that is already a valid beancount commodity (an uppercase
letter, then up to 23 of `A-Z 0-9 ' . _ -`, ending with a letter or digit) is kept. Any
other code (lowercase, accents, spaces, too long) becomes its uppercase ASCII form, made
valid, cut to 17 characters, then `-` and the first 6 hex digits of the SHA-256 of the
original code: "sol paris" -> "SOL-PARIS-2C5E1B". The suffix keeps the mapping one-to-one,
so two codes never merge into one commodity. The original code stays in the commodity's
metadata.

Accounts: `<Root>:<Group>[:<Owner>]:A<id>-<CODE>-<Name>`, where
- accounts with an owner (members) are `Assets:Members:<Owner>`, e.g.
  `Assets:Members:Member-12:A7-EUR-Main`;
- system accounts (no owner) in a fiat currency hold real money: `Assets:System`;
- other system accounts issue units (mutual credit, vouchers, shares) and stand negative:
  `Equity:System`.
The id makes every name unique even when owners or names sanitise alike.

Amounts are seen from each account: positive when money arrives (the ledger's credit),
negative when it leaves, so a tool's balance of an account equals the ledger's balance
(credits − debits), and every currency sums to zero.
"""

import hashlib
import re
import unicodedata

from ledger.exports.model import Account, Currency

COMMODITY = re.compile(r"[A-Z](?:[A-Z0-9'._-]{0,22}[A-Z0-9])?")
#: One component of an account path, after the root (beancount's rule, ASCII only).
COMPONENT = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")
ROOTS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")
OPENING_ACCOUNT = "Equity:Opening-Balances"
MAX_NAME = 40


def commodity(code: str) -> str:
    """A valid beancount commodity for a ledger currency code (kept when already valid)."""
    if COMMODITY.fullmatch(code):
        return code
    ascii_code = _ascii(code).upper()
    cleaned = re.sub(r"[^A-Z0-9'._-]+", "-", ascii_code).strip("'._-")
    if not cleaned[:1].isalpha():
        cleaned = "C" + cleaned
    cleaned = cleaned[:17].rstrip("'._-")
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:6].upper()
    return f"{cleaned}-{digest}"


def component(text: str, fallback: str = "X", limit: int = MAX_NAME) -> str:
    """One account-path component: ASCII letters, digits and dashes, capitalised."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", _ascii(text)).strip("-")[:limit].strip("-")
    if not cleaned:
        return fallback
    return cleaned[0].upper() + cleaned[1:]


def account_name(account: Account, currency: Currency) -> str:
    """The account's full path, unique and stable for a given ledger account."""
    leaf = component(f"A{account.id}-{commodity(currency.code)}-{account.name}",
                     limit=MAX_NAME + 30)
    if account.owner_ref is not None:
        return f"Assets:Members:{component(account.owner_ref, 'Owner')}:{leaf}"
    root = "Assets" if currency.kind == "fiat" else "Equity"
    return f"{root}:System:{leaf}"


def one_line(text: str | None) -> str:
    """Text on one line: control characters (newlines, tabs) become single spaces."""
    if not text:
        return ""
    if text.isprintable():  # the common case, ten times faster than the loop below
        return " ".join(text.split())
    return " ".join("".join(" " if unicodedata.category(c)[0] == "C" else c
                            for c in text).split())


def _ascii(text: str) -> str:
    """Drop accents and anything else outside ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
