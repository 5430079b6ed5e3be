"""Reading the ledger: accounts, transfers, statements, balances as of a date, trial balance."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, literal, select, tuple_, union_all
from sqlalchemy.engine import Connection

from ledger.accounts import account_row, read, state_of
from ledger.core.errors import TransferNotFound, ValidationError
from ledger.core.money import format_amount
from ledger.holds import released_state
from ledger.serialize import account_dict, iso, transfer_dict
from ledger.store import repo
from ledger.store.tables import accounts, currencies, postings, transfers
from ledger.store.types import BigId, UTCDateTime, now_utc

MAX_PAGE = 500


def get_account(bind, account_id: int, *, now: datetime | None = None) -> dict:
    """One account with balance, pending sums and available (None when unbounded)."""
    return read(bind, lambda conn: account_row(conn, account_id, now))


def list_accounts(bind, *, owner_ref: str | int | None = None,
                  owner_refs: Collection[str] | None = None, currency: str | None = None,
                  after: int = 0, limit: int | None = None,
                  now: datetime | None = None) -> list[dict]:
    """Accounts by id, optionally of one owner (or of any of `owner_refs`) or one currency.

    `after` and `limit` page through them in the database: ids above `after`, at most
    `limit` of them.
    """
    query = (select(accounts, currencies.c.scale)
             .join(currencies, currencies.c.code == accounts.c.currency)
             .where(accounts.c.id > after).order_by(accounts.c.id).limit(limit))
    if owner_ref is not None:
        query = query.where(accounts.c.owner_ref == str(owner_ref))
    if owner_refs is not None:
        query = query.where(accounts.c.owner_ref.in_(sorted(owner_refs)))
    if currency is not None:
        query = query.where(accounts.c.currency == currency)
    at = now or now_utc()

    def work(conn: Connection) -> list[dict]:
        return [account_dict(r._mapping, released_state(conn, r._mapping,
                                                         state_of(r._mapping), at), r.scale)
                for r in conn.execute(query)]
    return read(bind, work)


def get_transfer(bind, transfer_id: int, *, now: datetime | None = None) -> dict:
    """One transfer with its postings; a hold past its timeout shows `expired`."""
    def work(conn: Connection) -> dict:
        found = _transfers(conn, transfers.c.id == transfer_id, 1, now)
        if not found:
            raise TransferNotFound(f"Transfer {transfer_id} does not exist.",
                                   transfer_id=transfer_id)
        return found[0]
    if isinstance(transfer_id, bool) or not isinstance(transfer_id, int):
        raise TransferNotFound(f"Transfer {transfer_id!r} does not exist.")
    return read(bind, work)


def list_transfers(bind, *, account: int | None = None, start: datetime | None = None,
                   end: datetime | None = None, limit: int = 50, cursor: int | None = None,
                   now: datetime | None = None) -> dict:
    """Transfers by id, filtered by account and creation time: {items, next_cursor}."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit is 1 to 500.", fields={"limit": ["1 to 500."]})
    conditions = [transfers.c.id > (cursor or 0)]
    if account is not None:
        conditions.append(transfers.c.id.in_(union_all(
            select(postings.c.transfer_id).where(postings.c.debit_account_id == account),
            select(postings.c.transfer_id).where(postings.c.credit_account_id == account))
            .scalar_subquery()))
    if start is not None:
        conditions.append(transfers.c.created_at >= start)
    if end is not None:
        conditions.append(transfers.c.created_at < end)

    def work(conn: Connection) -> dict:
        items = _transfers(conn, and_(*conditions), limit + 1, now)
        more = len(items) > limit
        return {"items": items[:limit], "next_cursor": items[limit - 1]["id"] if more else None}
    return read(bind, work)


def _transfers(conn: Connection, condition, limit: int, now: datetime | None) -> list[dict]:
    """Transfers matching `condition`, with postings and reversals, in two more queries."""
    rows = conn.execute(select(transfers).where(condition).order_by(transfers.c.id)
                        .limit(limit)).all()
    ids = [r.id for r in rows]
    items = repo.load_postings(conn, ids)
    by = dict(conn.execute(select(transfers.c.reverses, transfers.c.id)
                           .where(transfers.c.reverses.in_(ids))).all()) if ids else {}
    scales = repo.load_scales(conn)
    at = now or now_utc()
    return [transfer_dict(r._mapping, items.get(r.id, []), scales, at, by.get(r.id))
            for r in rows]


def _legs(account_id: int | None = None):
    """Every posted leg as (account, transfer, posting, posted_at, signed amount)."""
    def side(column, sign):
        query = (select(column.label("account_id"), postings.c.transfer_id,
                        postings.c.id.label("posting_id"), transfers.c.posted_at,
                        (postings.c.amount * literal(sign)).label("amount"))
                 .join(transfers, transfers.c.id == postings.c.transfer_id)
                 .where(transfers.c.status == "posted"))
        return query if account_id is None else query.where(column == account_id)
    return union_all(side(postings.c.debit_account_id, -1),
                     side(postings.c.credit_account_id, 1)).subquery()


def statement(bind, account_id: int, *, start: datetime | None = None,
              end: datetime | None = None, limit: int | None = None,
              after: tuple | None = None) -> dict:
    """Posted movements of an account over [start, end), each with the running balance.

    One page at a time: at most `limit` lines, those after the line `after` names (a
    `next` key of the previous page: posted_at, transfer id, posting id). The opening
    balance is the balance before the page's first line, the closing one after its last;
    `next` is None on the last page.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or not 1 <= limit <= MAX_PAGE):
        raise ValidationError("limit is 1 to 500.", fields={"limit": ["1 to 500."]})

    def work(conn: Connection) -> dict:
        account = account_row(conn, account_id)
        scale = _scale(conn, account["currency"])
        legs = _legs(account_id)
        key = tuple_(legs.c.posted_at, legs.c.transfer_id, legs.c.posting_id)
        mark = None if after is None else tuple_(
            literal(after[0], UTCDateTime()), literal(after[1], BigId), literal(after[2], BigId))
        before = (key <= mark if mark is not None else
                  legs.c.posted_at < start if start is not None else None)
        opening = 0 if before is None else conn.execute(
            select(func.coalesce(func.sum(legs.c.amount), 0)).where(before)).scalar_one()
        query = (select(legs, transfers.c.description, transfers.c.reference)
                 .join(transfers, transfers.c.id == legs.c.transfer_id)
                 .order_by(legs.c.posted_at, legs.c.transfer_id, legs.c.posting_id)
                 .limit(None if limit is None else limit + 1))
        if start is not None:
            query = query.where(legs.c.posted_at >= start)
        if end is not None:
            query = query.where(legs.c.posted_at < end)
        if after is not None:
            query = query.where(key > mark)
        rows = conn.execute(query).all()
        more = limit is not None and len(rows) > limit
        rows = rows[:limit] if more else rows
        running, lines = opening, []
        for row in rows:
            running += row.amount
            lines.append({"transfer_id": row.transfer_id, "posted_at": iso(row.posted_at),
                          "description": row.description, "reference": row.reference,
                          "amount": format_amount(row.amount, scale),
                          "balance": format_amount(running, scale)})
        last = rows[-1] if more else None
        return {"account": account, "from": iso(start), "to": iso(end),
                "opening_balance": format_amount(opening, scale), "lines": lines,
                "closing_balance": format_amount(running, scale),
                "next": None if last is None else (last.posted_at, last.transfer_id,
                                                   last.posting_id)}
    return read(bind, work)


def balances_as_of(bind, at: datetime, *, currency: str | None = None) -> list[dict]:
    """Every account's posted balance at instant `at` (movements posted at or before it)."""
    legs = _legs()
    sums = (select(legs.c.account_id, func.sum(legs.c.amount).label("balance"))
            .where(legs.c.posted_at <= at).group_by(legs.c.account_id).subquery())
    query = (select(accounts.c.id, accounts.c.name, accounts.c.currency, currencies.c.scale,
                    func.coalesce(sums.c.balance, 0).label("balance"))
             .join(currencies, currencies.c.code == accounts.c.currency)
             .outerjoin(sums, sums.c.account_id == accounts.c.id)
             .where(accounts.c.created_at <= at).order_by(accounts.c.id))
    if currency is not None:
        query = query.where(accounts.c.currency == currency)
    return read(bind, lambda conn: [
        {"account_id": r.id, "name": r.name, "currency": r.currency,
         "balance": format_amount(r.balance, r.scale)} for r in conn.execute(query)])


def trial_balance(bind, *, currency: str | None = None) -> dict:
    """Posted debits, credits and balance per account, and totals per currency (zero)."""
    query = (select(accounts.c.id, accounts.c.name, accounts.c.currency, currencies.c.scale,
                    accounts.c.posted_debits, accounts.c.posted_credits)
             .join(currencies, currencies.c.code == accounts.c.currency)
             .order_by(accounts.c.currency, accounts.c.id))
    if currency is not None:
        query = query.where(accounts.c.currency == currency)

    def work(conn: Connection) -> dict:
        items, totals = [], {}
        for r in conn.execute(query):
            items.append(_trial_line({"account_id": r.id, "name": r.name,
                                      "currency": r.currency}, r.posted_debits,
                                     r.posted_credits, r.scale))
            total = totals.setdefault(r.currency, [0, 0, r.scale])
            total[0] += r.posted_debits
            total[1] += r.posted_credits
        return {"items": items, "totals": [
            _trial_line({"currency": code}, d, c, scale)
            for code, (d, c, scale) in sorted(totals.items())]}
    return read(bind, work)


def _trial_line(head: dict, debits: int, credits: int, scale: int) -> dict:
    return {**head, "debits": format_amount(debits, scale),
            "credits": format_amount(credits, scale),
            "balance": format_amount(credits - debits, scale)}


def _scale(conn: Connection, code: str) -> int:
    return conn.execute(select(currencies.c.scale).where(currencies.c.code == code)).scalar_one()


