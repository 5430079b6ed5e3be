"""Helpers for tests and benchmarks: a small book of accounts, and the invariants to check."""

from dataclasses import dataclass

from sqlalchemy import func, select

from ledger.accounts import create_account, create_currency
from ledger.store.tables import accounts, postings, transfers


@dataclass
class Book:
    """A currency with a system account (unbounded) and a few member accounts."""

    currency: str
    system: int
    members: list[int]


def make_book(bind, code: str, *, scale: int = 2, limits=((0, None),),
              kind: str = "mutual_credit") -> Book:
    """Create a currency, its unbounded system account and one account per (min, max)."""
    create_currency(bind, code, f"Test {code}", scale, kind)
    system = create_account(bind, code, f"{code} system", min_balance=None)["id"]
    members = [create_account(bind, code, f"{code} member {i}", owner_ref=f"member:{i}",
                              min_balance=low, max_balance=high)["id"]
               for i, (low, high) in enumerate(limits)]
    return Book(code, system, members)


def invariant_problems(bind, currency: str | None = None) -> list[str]:
    """Check the invariants of the stored balances; return what is wrong (empty: all hold)."""
    def work(conn):
        problems = []
        query = select(accounts)
        if currency is not None:
            query = query.where(accounts.c.currency == currency)
        rows = conn.execute(query).all()
        posted = _posted_sums(conn)
        totals: dict[str, int] = {}
        for r in rows:
            balance = r.posted_credits - r.posted_debits
            totals[r.currency] = totals.get(r.currency, 0) + balance
            if r.min_balance is not None and balance - r.pending_debits < r.min_balance:
                problems.append(f"account {r.id} below its min_balance")
            if r.max_balance is not None and balance + r.pending_credits > r.max_balance:
                problems.append(f"account {r.id} above its max_balance")
            if (r.posted_debits, r.posted_credits) != posted.get(r.id, (0, 0)):
                problems.append(f"account {r.id} posted sums differ from its postings")
        problems += [f"{code} sums to {total}, not 0" for code, total in totals.items() if total]
        return problems
    if hasattr(bind, "connect") and not hasattr(bind, "in_transaction"):
        with bind.connect() as conn:
            return work(conn)
    return work(bind)


def _posted_sums(conn) -> dict[int, tuple[int, int]]:
    """Posted debits and credits of every account, summed from the postings."""
    sums: dict[int, list[int]] = {}
    posted = postings.join(transfers, transfers.c.id == postings.c.transfer_id)
    for column, side in ((postings.c.debit_account_id, 0), (postings.c.credit_account_id, 1)):
        query = (select(column, func.sum(postings.c.amount)).select_from(posted)
                 .where(transfers.c.status == "posted").group_by(column))
        for account_id, total in conn.execute(query):
            sums.setdefault(account_id, [0, 0])[side] = total
    return {k: (v[0], v[1]) for k, v in sums.items()}
