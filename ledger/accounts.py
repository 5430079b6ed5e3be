"""Currencies and accounts: creation, listing, freezing and closing."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ledger import idempotency
from ledger.core.errors import (
    AccountNotFound,
    InvalidState,
    UnknownCurrency,
    ValidationError,
)
from ledger.core.model import CURRENCY_KINDS, AccountState
from ledger.core.money import MAX_SCALE, parse_amount
from ledger.holds import expire_due, released_state
from ledger.serialize import account_dict, iso
from ledger.store import repo
from ledger.store.tables import accounts, currencies
from ledger.store.types import now_utc

#: (status, action) -> new status; anything else is refused with invalid_state.
ACCOUNT_TRANSITIONS = {
    ("open", "freeze"): "frozen",
    ("frozen", "unfreeze"): "open",
    ("open", "close"): "closed",
    ("frozen", "close"): "closed",
}


def read(bind: Engine | Connection, work: Callable[[Connection], object]):
    """Run a read on a fresh connection, or on the caller's."""
    if isinstance(bind, Connection):
        return work(bind)
    with bind.connect() as conn:
        return work(conn)


def create_currency(bind, code: str, name: str, scale: int, kind: str) -> dict:
    """Create a currency: `scale` decimals, kind fiat | mutual_credit | backed | share."""
    fields = {}
    if not isinstance(code, str) or not 1 <= len(code) <= 16 or not code.isprintable():
        fields["code"] = ["1 to 16 printable characters."]
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        fields["name"] = ["1 to 100 characters."]
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
        fields["scale"] = [f"An integer from 0 to {MAX_SCALE}."]
    if kind not in CURRENCY_KINDS:
        fields["kind"] = [f"One of {', '.join(CURRENCY_KINDS)}."]
    if fields:
        raise ValidationError("The currency is not valid.", fields=fields)
    row = {"code": code, "name": name, "scale": scale, "kind": kind, "created_at": now_utc()}
    idempotency.run(bind, "currency", None, None,
                    lambda conn: conn.execute(insert(currencies).values(**row)))
    return {**row, "created_at": iso(row["created_at"])}


def list_currencies(bind) -> list[dict]:
    """Every currency, by code."""
    query = select(currencies).order_by(currencies.c.code)
    return read(bind, lambda conn: [
        {**row._mapping, "created_at": iso(row.created_at)} for row in conn.execute(query)])


def create_account(bind, currency: str, name: str, *, owner_ref: str | int | None = None,
                   min_balance: str | int | None = 0,
                   max_balance: str | int | None = None) -> dict:
    """Open an account; min_balance 0 forbids overdraft, None is unbounded, negative a line."""
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise ValidationError("The account is not valid.", fields={"name": ["1 to 200 chars."]})
    if owner_ref is not None and (isinstance(owner_ref, bool)
                                  or not isinstance(owner_ref, str | int)):
        raise ValidationError("The account is not valid.", fields={"owner_ref": ["Text."]})

    def work(conn: Connection) -> dict:
        scale = conn.execute(select(currencies.c.scale)
                             .where(currencies.c.code == currency)).scalar()
        if scale is None:
            raise UnknownCurrency(f"Currency {currency!r} does not exist.",
                                  fields={"currency": ["Unknown currency."]})
        low, high = _limits(min_balance, max_balance, scale)
        row = {"currency": currency, "name": name, "min_balance": low, "max_balance": high,
               "owner_ref": None if owner_ref is None else str(owner_ref), "status": "open",
               "posted_debits": 0, "posted_credits": 0, "pending_debits": 0,
               "pending_credits": 0, "created_at": now_utc()}
        row["id"] = conn.execute(insert(accounts).values(**row)
                                 .returning(accounts.c.id)).scalar_one()
        return account_dict(row, state_of(row), scale)

    return idempotency.run(bind, "account", None, None, work)


def _limits(min_balance, max_balance, scale: int) -> tuple[int | None, int | None]:
    """Parse the limits; a new account stands at zero, so they must bracket zero."""
    low = None if min_balance is None else parse_amount(min_balance, scale, signed=True)
    high = None if max_balance is None else parse_amount(max_balance, scale, signed=True)
    fields = {}
    if low is not None and low > 0:
        fields["min_balance"] = ["Zero or negative."]
    if high is not None and high < 0:
        fields["max_balance"] = ["Zero or positive."]
    if fields:
        raise ValidationError("The limits are not valid.", fields=fields)
    return low, high


def set_limits(bind, account_id: int, *, min_balance: str | int | None = 0,
               max_balance: str | int | None = None) -> dict:
    """Change an account's limits (a credit line is a negative min_balance): never so that
    what the account already holds, pending holds included, would stand outside them."""
    def work(conn: Connection) -> dict:
        locked = repo.lock_accounts(conn, [account_id])
        expire_due(conn, locked, now_utc())
        state = locked.accounts.get(account_id)
        if state is None:
            raise AccountNotFound(f"Account {account_id} does not exist.",
                                  account_id=account_id)
        if state.status == "closed":
            raise InvalidState(f"Account {account_id} is closed.", account_id=account_id,
                               status=state.status)
        scale = locked.scales[state.currency]
        low = None if min_balance is None else parse_amount(min_balance, scale, signed=True)
        high = None if max_balance is None else parse_amount(max_balance, scale, signed=True)
        fields = {}
        if low is not None and state.balance - state.pending_debits < low:
            fields["min_balance"] = ["Below what the account already owes or holds back."]
        if high is not None and state.balance + state.pending_credits > high:
            fields["max_balance"] = ["Below what the account already holds."]
        if fields:
            raise ValidationError("The account's balance stands outside these limits.",
                                  fields=fields, account_id=account_id)
        conn.execute(update(accounts).where(accounts.c.id == account_id)
                     .values(min_balance=low, max_balance=high))
        return account_row(conn, account_id)

    return idempotency.run(bind, "limits", None, None, work)


def state_of(row) -> AccountState:
    """The balances of an account row."""
    return AccountState(row["id"], row["currency"], row["status"], row["min_balance"],
                        row["max_balance"], row["posted_debits"], row["posted_credits"],
                        row["pending_debits"], row["pending_credits"])


def change_status(bind, account_id: int, action: str) -> dict:
    """Freeze, unfreeze or close an account (closing needs it at zero, nothing pending:
    holds past their timeout are expired first, as every write does)."""
    def work(conn: Connection) -> dict:
        locked = repo.lock_accounts(conn, [account_id])
        expire_due(conn, locked, now_utc())
        state = locked.accounts.get(account_id)
        if state is None:
            raise AccountNotFound(f"Account {account_id} does not exist.",
                                  account_id=account_id)
        status = ACCOUNT_TRANSITIONS.get((state.status, action))
        if status is None:
            raise InvalidState(f"Account {account_id} is {state.status}: cannot {action}.",
                               account_id=account_id, status=state.status)
        if status == "closed" and (state.balance or state.pending_debits
                                   or state.pending_credits):
            raise InvalidState(f"Account {account_id} must be at zero, nothing pending, "
                               "to close.", account_id=account_id)
        conn.execute(update(accounts).where(accounts.c.id == account_id)
                     .values(status=status))
        return account_row(conn, account_id)

    return idempotency.run(bind, action, None, None, work)


def account_row(conn: Connection, account_id: int, now: datetime | None = None) -> dict:
    """Read one account as plain data, overdue holds already released."""
    query = (select(accounts, currencies.c.scale)
             .join(currencies, currencies.c.code == accounts.c.currency)
             .where(accounts.c.id == account_id))
    row = conn.execute(query).one_or_none() if _is_id(account_id) else None
    if row is None:
        raise AccountNotFound(f"Account {account_id} does not exist.", account_id=account_id)
    state = released_state(conn, row._mapping, state_of(row._mapping), now or now_utc())
    return account_dict(row._mapping, state, row.scale)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
