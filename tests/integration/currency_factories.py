"""Currencies, accounts and money for tests, made through governance as an admin would."""

import ledger
from market.currencies import governance
from market.currencies.models import CurrencyPolicy


def make_currency(db, code="EUSKO", kind="backed", scale=2, *, network_id=None,
                  euro_parity="1", name=None, **rules) -> CurrencyPolicy:
    """Create and commit a currency with its system accounts and policy."""
    policy = governance.create_currency(db.session, code=code, name=name or f"Monnaie {code}",
                                        scale=scale, kind=kind, network_id=network_id,
                                        euro_parity=euro_parity, **rules)
    db.session.commit()
    return policy


def make_euro(db) -> CurrencyPolicy:
    """The euro with its Stripe clearing account, committed."""
    policy = governance.euro(db.session)
    db.session.commit()
    return policy


def open_account(db, member, code: str) -> int:
    """Open and commit a member's account in ``code`` (mutual credit: the default line)."""
    account_id = governance.open_member_account(db.session, member.id, code,
                                                f"{member.name} — {code}")
    db.session.commit()
    return account_id


def fund(db, account_id: int, amount: str, code: str) -> dict:
    """Credit ``amount`` to an account from its currency's issuance account (committed).

    For a backed currency the reserve receives the euros too, as a top-up would book them,
    so that the reserve keeps covering the units in circulation.
    """
    policy = governance.policy_of(db.session, code)
    postings = [{"from": policy.issuance_account_id, "to": account_id, "amount": amount}]
    if policy.reserve_account_id is not None:
        euro = governance.euro(db.session)
        scale = governance.currency_of(db.session, code)["scale"]
        cents = ledger.parse_amount(amount, scale) * policy.euro_parity / 10 ** scale * 100
        postings.append({"from": euro.issuance_account_id, "to": policy.reserve_account_id,
                         "amount": int(cents)})
    moved = ledger.transfer(db.session.connection(), postings, description="test funding")
    db.session.commit()
    return moved


def funded_account(db, member, code: str, amount: str) -> int:
    """A member's account in ``code`` holding ``amount``."""
    account_id = open_account(db, member, code)
    fund(db, account_id, amount, code)
    return account_id


def balance(db, account_id: int) -> str:
    """An account's posted balance as a decimal string, read fresh."""
    db.session.rollback()
    return ledger.get_account(db.session.connection(), account_id)["balance"]
