"""Read the ledger for an export: one repeatable-read transaction, transfers streamed."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.engine import Connection, Engine

from ledger.exports.model import Account, Currency, Entry, ExportError, Filters, Posting, Snapshot
from ledger.store.tables import accounts, currencies, postings, transfers
from ledger.store.types import now_utc

#: Rows fetched per round trip while streaming transfers.
BATCH_ROWS = 1000


@contextmanager
def open_snapshot(bind: Engine | Connection, filters: Filters) -> Iterator[Snapshot]:
    """Yield a Snapshot whose every read, streaming included, sees one state of the ledger."""
    if isinstance(bind, Connection):
        yield load(bind, filters)
        return
    with bind.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Balances, counts and the stream must agree although writers keep committing.
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        # SQLite: one deferred read transaction is a snapshot in WAL mode.
        with conn.begin():
            yield load(conn, filters)


def load(conn: Connection, filters: Filters) -> Snapshot:
    """Read currencies, accounts, balances and counts; entries stay lazy."""
    found = _currencies(conn, filters)
    member_ids = _member_accounts(filters)
    if member_ids is not None and conn.execute(
            select(func.count()).select_from(member_ids.subquery())).scalar_one() == 0:
        where = f" in {filters.currency}" if filters.currency else ""
        raise ExportError(f"No account{where} is owned by {filters.member!r}.")
    wanted = _transfer_conditions(filters, member_ids)
    first_dates, closing = _account_sums(conn, filters.end, filters.currency)
    rows = _account_rows(conn, filters, member_ids, wanted)
    opened = {r.id: min(r.created_at.date(), first_dates.get(r.id, r.created_at.date()))
              for r in rows}
    listed = {r.id: _account(r, opened[r.id]) for r in rows
              if filters.end is None or opened[r.id] < filters.end.date()}
    complete = _complete_accounts(conn, listed, member_ids)
    if filters.year is None:
        # The stored balance, not the sum of postings: a checker then also proves they agree.
        closing = {r.id: r.posted_credits - r.posted_debits for r in rows}
        opening = {}
    else:
        opening = _account_sums(conn, filters.start, filters.currency)[1]
    count, last = conn.execute(select(func.count(func.distinct(transfers.c.id)),
                                      func.max(transfers.c.posted_at)).select_from(
        transfers.join(postings, postings.c.transfer_id == transfers.c.id))
        .where(*wanted)).one()
    return Snapshot(
        filters=filters, currencies=found, accounts=listed, count=count,
        end=_end(filters, last, listed.values()),
        entries=lambda: _entries(conn, wanted),
        closing={i: closing.get(i, 0) for i in complete},
        opening={i: opening[i] for i in complete if opening.get(i)})


def _currencies(conn: Connection, filters: Filters) -> dict[str, Currency]:
    query = select(currencies).order_by(currencies.c.code)
    if filters.currency is not None:
        query = query.where(currencies.c.code == filters.currency)
    found = {r.code: Currency(r.code, r.name, r.scale, r.kind, r.created_at.date())
             for r in conn.execute(query)}
    if filters.currency is not None and not found:
        raise ExportError(f"Unknown currency {filters.currency!r}.")
    return found


def _member_accounts(filters: Filters):
    """The ids of the member's accounts (a query), or None without --member."""
    if filters.member is None:
        return None
    query = select(accounts.c.id).where(accounts.c.owner_ref == filters.member)
    if filters.currency is not None:
        query = query.where(accounts.c.currency == filters.currency)
    return query


def _transfer_conditions(filters: Filters, member_ids) -> list:
    """Which posted transfers and postings are exported (for a query joining both)."""
    wanted = [transfers.c.status == "posted"]
    if filters.currency is not None:
        wanted.append(postings.c.currency == filters.currency)
    if filters.year is not None:
        wanted += [transfers.c.posted_at >= filters.start, transfers.c.posted_at < filters.end]
    if member_ids is not None:
        # Whole transfers, counter-accounts included, so that each one still balances.
        touching = select(postings.c.transfer_id).where(or_(
            postings.c.debit_account_id.in_(member_ids.scalar_subquery()),
            postings.c.credit_account_id.in_(member_ids.scalar_subquery())))
        wanted.append(transfers.c.id.in_(touching.scalar_subquery()))
    return wanted


def _account_rows(conn: Connection, filters: Filters, member_ids, wanted) -> list:
    query = select(accounts).order_by(accounts.c.id)
    if filters.currency is not None:
        query = query.where(accounts.c.currency == filters.currency)
    if member_ids is not None:
        exported = select(postings.c.debit_account_id, postings.c.credit_account_id).join(
            transfers, transfers.c.id == postings.c.transfer_id).where(*wanted).subquery()
        query = query.where(or_(
            accounts.c.id.in_(member_ids.scalar_subquery()),
            accounts.c.id.in_(select(exported.c.debit_account_id).scalar_subquery()),
            accounts.c.id.in_(select(exported.c.credit_account_id).scalar_subquery())))
    return conn.execute(query).all()


def _complete_accounts(conn: Connection, listed: dict[int, Account], member_ids) -> list[int]:
    """Accounts whose whole history is exported: all of them, or only the member's."""
    if member_ids is None:
        return list(listed)
    mine = set(conn.execute(member_ids).scalars())
    return [i for i in listed if i in mine]


def _account(row, opened: date) -> Account:
    return Account(row.id, row.currency, row.owner_ref, row.name, row.status, opened,
                   row.min_balance, row.max_balance)


def _account_sums(conn: Connection, until: datetime | None, currency: str | None
                  ) -> tuple[dict[int, date], dict[int, int]]:
    """First posting day and balance (credits − debits) per account, posted before `until`."""
    def side(column, sign: int):
        query = (select(column.label("account_id"), transfers.c.posted_at,
                        (postings.c.amount * literal(sign)).label("amount"))
                 .join(transfers, transfers.c.id == postings.c.transfer_id)
                 .where(transfers.c.status == "posted"))
        if until is not None:
            query = query.where(transfers.c.posted_at < until)
        if currency is not None:
            query = query.where(postings.c.currency == currency)
        return query
    legs = union_all(side(postings.c.debit_account_id, -1),
                     side(postings.c.credit_account_id, 1)).subquery()
    query = select(legs.c.account_id, func.min(legs.c.posted_at),
                   func.sum(legs.c.amount)).group_by(legs.c.account_id)
    rows = conn.execute(query).all()
    # SQLite hands back min() of a datetime column as text.
    return ({r[0]: _day(r[1]) for r in rows}, {r[0]: int(r[2]) for r in rows})


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _end(filters: Filters, last: datetime | None, listed) -> date:
    """The day of closing assertions: after the year, or after the last posting or opening."""
    if filters.end is not None:
        return filters.end.date()
    days = [last.date()] if last is not None else []
    days += [a.opened for a in listed]
    return max(days, default=now_utc().date()) + timedelta(days=1)


def _entries(conn: Connection, wanted: list) -> Iterator[Entry]:
    """Stream the exported transfers, in posting order, a batch of rows at a time."""
    query = (select(transfers.c.id, transfers.c.posted_at, transfers.c.created_at,
                    transfers.c.description, transfers.c.reference, transfers.c.hash,
                    transfers.c.reverses, postings.c.debit_account_id,
                    postings.c.credit_account_id, postings.c.amount, postings.c.currency)
             .join(postings, postings.c.transfer_id == transfers.c.id).where(*wanted)
             .order_by(transfers.c.posted_at, transfers.c.id, postings.c.id)
             .execution_options(yield_per=BATCH_ROWS))
    for _, group in groupby(conn.execute(query), key=lambda r: r.id):
        rows = list(group)
        head = rows[0]
        yield Entry(head.id, head.posted_at.date(), head.created_at.date(), head.description,
                    head.reference, head.hash, head.reverses,
                    tuple(Posting(r.debit_account_id, r.credit_account_id, r.amount,
                                  r.currency) for r in rows))
