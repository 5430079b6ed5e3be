"""What an export reads from the ledger: plain, immutable values and one snapshot."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime


class ExportError(Exception):
    """An export that cannot be written: unknown currency or member, unwritable output."""


@dataclass(frozen=True)
class Filters:
    """What to export: one currency, transfers touching one owner, one calendar year (UTC)."""

    currency: str | None = None
    member: str | None = None
    year: int | None = None

    @property
    def start(self) -> datetime | None:
        """First instant of the year, in UTC."""
        return None if self.year is None else datetime(self.year, 1, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime | None:
        """First instant after the year, in UTC."""
        return None if self.year is None else datetime(self.year + 1, 1, 1, tzinfo=UTC)

    @property
    def partial(self) -> bool:
        """Tell whether some accounts' histories are cut (counter-accounts of a member)."""
        return self.member is not None


@dataclass(frozen=True)
class Currency:
    """A currency: amounts are integers of 10**-scale units."""

    code: str
    name: str
    scale: int
    kind: str
    created: date


@dataclass(frozen=True)
class Account:
    """A ledger account, opened on the earlier of its creation and its first posting."""

    id: int
    currency: str
    owner_ref: str | None
    name: str
    status: str
    opened: date
    min_balance: int | None = None
    max_balance: int | None = None


@dataclass(frozen=True)
class Posting:
    """One posting: `amount` minor units leave `debit` and arrive in `credit`."""

    debit: int
    credit: int
    amount: int
    currency: str


@dataclass(frozen=True)
class Entry:
    """One posted transfer, dated by the day (UTC) its amounts became posted."""

    id: int
    date: date
    created: date
    description: str
    reference: str | None
    hash: str
    reverses: int | None
    postings: tuple[Posting, ...]


@dataclass
class Snapshot:
    """Everything an export writes, read in one repeatable-read transaction.

    `closing` holds the balance (credits − debits, minor units) at `end` of every account
    whose whole history is exported; `opening` the balance at `start` for a yearly export.
    `entries()` streams the posted transfers in posting order.
    """

    filters: Filters
    currencies: dict[str, Currency]
    accounts: dict[int, Account]
    count: int
    end: date
    entries: Callable[[], Iterator[Entry]]
    closing: dict[int, int] = field(default_factory=dict)
    opening: dict[int, int] = field(default_factory=dict)

    @property
    def start(self) -> date | None:
        """The first day of a yearly export."""
        return None if self.filters.start is None else self.filters.start.date()
