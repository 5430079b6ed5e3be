"""Demurrage: a yearly rate on what a member's account holds above a free base, booked per
period (a day or a calendar month) to the currency's commons account, exactly once.

The rule, precisely (``charge``): for a period of ``days`` days in a year of ``year_days``
days (366 in a leap year, the year of the period's first day), an account whose balance at
the period's end is B pays ``floor(max(B - free_base, 0) * rate_bp * days /
(10_000 * year_days))`` minor units. The balance read is the posted balance at the period's
end (movements posted before it), so a run made late, or made twice, computes the same
charge; a period is booked only once it has ended. Only member accounts (owner
``member:<id>``) that are open pay; system and network accounts never do.

Once-only: each charge is a ledger transfer whose reference
``demurrage:<CODE>:<period>:<account id>`` is unique across the ledger. The booking
(``book_once``, shared with programmes' issuance) sends batches of up to 1,000 transfers,
not atomic, after leaving out the references already taken; a transfer that a concurrent
run booked first comes back as a reference conflict and counts as already booked.
"""

import calendar
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.engine import Engine

import ledger
from ledger.store.tables import accounts, postings, transfers
from market.currencies.models import WHOLE, DemurragePeriod
from market.platform.time import now_utc

#: Transfers per ledger batch: the ledger's own maximum.
BATCH = 1000
MEMBER_OWNERS = "member:%"
#: Batches in flight at once on PostgreSQL.
PG_WORKERS = 2


@dataclass(frozen=True)
class Period:
    """A booking period [start, end) in UTC days, and the label its references carry."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        """Its length in days."""
        return (self.end - self.start).days

    @property
    def ends_at(self) -> datetime:
        """The instant it ends (UTC midnight of ``end``)."""
        return datetime.combine(self.end, time(), UTC)


def period_of(day: date, period: str) -> Period:
    """The period (``daily``, ``monthly`` or ``weekly``: ISO weeks) containing ``day``."""
    if period == DemurragePeriod.daily:
        return Period(day, day + timedelta(days=1), day.isoformat())
    if period == DemurragePeriod.monthly:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return Period(start, end, f"{day.year:04d}-{day.month:02d}")
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return Period(start, start + timedelta(days=7), f"{year:04d}-W{week:02d}")
    raise ValueError(f"unknown period {period!r}")


def year_days(day: date) -> int:
    """Days in the calendar year of ``day``: 366 in a leap year, else 365."""
    return 366 if calendar.isleap(day.year) else 365


def charge(balance: int, free_base: int, rate_bp: int, days: int, in_year: int) -> int:
    """The demurrage of one period in minor units, rounded down (never negative)."""
    above = balance - free_base
    if above <= 0 or rate_bp <= 0 or days <= 0:
        return 0
    return above * rate_bp * days // (WHOLE * in_year)


def period_charge(balance: int, free_base: int, rate_bp: int, period: Period) -> int:
    """The charge of ``period`` on a balance (its length over the year of its first day)."""
    return charge(balance, free_base, rate_bp, period.days, year_days(period.start))


def reference(code: str, period: Period, account_id: int) -> str:
    """The once-only reference of an account's demurrage for a period."""
    return f"demurrage:{code}:{period.label}:{account_id}"


@dataclass
class Booked:
    """What a periodic booking did: transfers written now, found already booked, refused."""

    booked: int = 0
    already: int = 0
    refused: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain figures (with at most the first ten refusals)."""
        return {"booked": self.booked, "already": self.already, "refused": self.refused,
                "errors": self.errors[:10]}


def taken_references(engine: Engine, wanted: Iterable[str]) -> set[str]:
    """The references among ``wanted`` that ledger transfers already carry."""
    wanted = sorted(set(wanted))
    if not wanted:
        return set()
    with engine.connect() as conn:
        query = select(transfers.c.reference).where(transfers.c.reference.in_(wanted))
        return set(conn.execute(query).scalars())


def book_once(engine: Engine, items: list[dict], *, progress: Callable[[int], None] | None = None,
              now: datetime | None = None, workers: int | None = None) -> Booked:
    """Book transfers that each carry a once-only reference, in ledger batches of 1,000.

    References already taken are left out before each batch; a batch item that loses a
    race with a concurrent run is refused by the ledger as a reference conflict and counts
    as already booked. Other refusals (a frozen account, funds short) are counted and the
    item is left for a later run. On PostgreSQL two batches are in flight at once (one is
    planned in Python while the database writes the other: measured about 1.5 times the
    throughput of one); SQLite writes one at a time anyway.
    """
    if workers is None:
        workers = PG_WORKERS if engine.dialect.name == "postgresql" else 1
    chunks = [items[start:start + BATCH] for start in range(0, len(items), BATCH)]
    done = Booked()
    if workers <= 1 or len(chunks) <= 1:
        results = (_book_chunk(engine, chunk, now) for chunk in chunks)
        for chunk, result in zip(chunks, results, strict=True):
            _count(done, result, len(chunk), progress)
        return done
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for chunk, result in zip(chunks, pool.map(lambda c: _book_chunk(engine, c, now),
                                                  chunks), strict=True):
            _count(done, result, len(chunk), progress)
    return done


def _book_chunk(engine: Engine, chunk: list[dict], now: datetime | None) -> tuple[int, list]:
    """Book one batch: (how many were taken before, the ledger's results of the others)."""
    taken = taken_references(engine, (i["reference"] for i in chunk))
    fresh = [i for i in chunk if i["reference"] not in taken]
    return len(chunk) - len(fresh), ledger.batch(engine, fresh, atomic=False, now=now) \
        if fresh else []


def _count(done: Booked, result: tuple[int, list], size: int, progress) -> None:
    already, results = result
    done.already += already
    for item in results:
        if item["ok"]:
            done.booked += 1
        elif item["error"].get("code") == "conflict":
            done.already += 1
        else:
            done.refused += 1
            done.errors.append(item["error"])
    if progress is not None:
        progress(size)


def balances_at(engine: Engine, code: str, at: datetime) -> list[tuple[int, int]]:
    """(account id, posted balance at ``at``) of the open member accounts of ``code``.

    The stored balance minus what was posted from ``at`` on: the movements after the cut,
    found through the index on posting time, are few next to the whole ledger.
    """
    def side(column, sign):
        return (select(column.label("account_id"), (postings.c.amount * literal(sign))
                       .label("amount"))
                .join(transfers, transfers.c.id == postings.c.transfer_id)
                .where(transfers.c.status == "posted", transfers.c.posted_at >= at,
                       postings.c.currency == code))
    later = union_all(side(postings.c.debit_account_id, -1),
                      side(postings.c.credit_account_id, 1)).subquery()
    moved = (select(later.c.account_id, func.sum(later.c.amount).label("moved"))
             .group_by(later.c.account_id).subquery())
    query = (select(accounts.c.id, accounts.c.posted_credits - accounts.c.posted_debits
                    - func.coalesce(moved.c.moved, 0))
             .outerjoin(moved, moved.c.account_id == accounts.c.id)
             .where(accounts.c.currency == code, accounts.c.status == "open",
                    accounts.c.owner_ref.like(MEMBER_OWNERS))
             .order_by(accounts.c.id))
    with engine.connect() as conn:
        return [(row[0], int(row[1])) for row in conn.execute(query)]


@dataclass(frozen=True)
class Rules:
    """A currency's demurrage rules, read from its policy."""

    code: str
    rate_bp: int
    free_base: int
    period: str
    commons_account_id: int


def rules_of(policy) -> Rules | None:
    """The demurrage rules of a policy, or None when it charges none."""
    if not policy.demurrage_period or not policy.demurrage_rate_bp \
            or policy.commons_account_id is None:
        return None
    return Rules(policy.code, policy.demurrage_rate_bp, policy.demurrage_free_base or 0,
                 policy.demurrage_period, policy.commons_account_id)


class PeriodNotOver(ValueError):
    """A period is booked once it has ended: its balances are final only then."""


def charges(engine: Engine, rules: Rules, day: date, *,
            now: datetime | None = None) -> list[dict]:
    """The demurrage transfers of the period containing ``day`` (zero charges left out)."""
    period = period_of(day, rules.period)
    if period.ends_at > (now or now_utc()):
        raise PeriodNotOver(f"the period {period.label} of {rules.code} ends at "
                            f"{period.ends_at.isoformat()}: book it after that")
    items = []
    for account_id, balance in balances_at(engine, rules.code, period.ends_at):
        amount = period_charge(balance, rules.free_base, rules.rate_bp, period)
        if amount and account_id != rules.commons_account_id:
            items.append({"postings": [{"from": account_id, "to": rules.commons_account_id,
                                        "amount": amount}],
                          "reference": reference(rules.code, period, account_id),
                          "description": f"Fonte {rules.code} {period.label}"})
    return items


def book_demurrage(engine: Engine, rules: Rules, day: date, *, now: datetime | None = None,
                   progress_for: Callable[[int], Callable[[int], None] | None] | None = None
                   ) -> Booked:
    """Book the demurrage of the period containing ``day`` for one currency, once.

    ``progress_for(count)`` may return a callback told how many items each batch covered.
    """
    items = charges(engine, rules, day, now=now)
    progress = progress_for(len(items)) if progress_for is not None else None
    return book_once(engine, items, progress=progress, now=now)
