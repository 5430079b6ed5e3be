"""Value objects of the ledger: postings, transfer requests and account states."""

from dataclasses import dataclass, field

ACCOUNT_STATUSES = ("open", "frozen", "closed")
CURRENCY_KINDS = ("fiat", "mutual_credit", "backed", "share")
TRANSFER_STATUSES = ("pending", "posted", "voided", "expired")
EVENT_KINDS = ("created", "posted", "voided", "expired", "reversed")
#: Who may post a hold, stated when it is placed: the one who placed it, whoever controls
#: every debited account (a buyer confirming delivery), or every credited one (a payee
#: capturing). Voiding is the placer's alone. An unrestricted caller does either.
POST_RULES = ("placer", "debtor", "creditor")
MAX_BATCH = 1000
MAX_POSTINGS = 100
#: Most postings all the transfers of one batch may hold together.
MAX_BATCH_POSTINGS = 10_000
#: Most minor units the postings of one transfer may add up to.
MAX_TRANSFER = 10**18
#: Most minor units each of an account's four stored sums may reach (under 2**62, so
#: that sums and differences of them stay inside a signed 64-bit column).
MAX_ACCOUNT_SUM = 4 * 10**18


@dataclass(frozen=True, slots=True)
class Posting:
    """Move `amount` minor units from account `source` (debited) to `target` (credited)."""

    source: int
    target: int
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class TransferSpec:
    """A validated request for one transfer: balanced by construction, one leg per posting."""

    postings: tuple[Posting, ...]
    description: str = ""
    reference: str | None = None
    metadata: dict = field(default_factory=dict)
    pending: bool = False
    timeout_seconds: int | None = None
    reverses: int | None = None

    def account_ids(self) -> set[int]:
        """Every account this transfer touches."""
        return {p.source for p in self.postings} | {p.target for p in self.postings}


@dataclass(slots=True)
class AccountState:
    """The stored figures of one account, in minor units, as read under lock."""

    id: int
    currency: str
    status: str
    min_balance: int | None
    max_balance: int | None
    posted_debits: int = 0
    posted_credits: int = 0
    pending_debits: int = 0
    pending_credits: int = 0

    @property
    def balance(self) -> int:
        """Posted credits minus posted debits."""
        return self.posted_credits - self.posted_debits

    @property
    def available(self) -> int | None:
        """What can still be spent: balance − pending debits − min_balance (None: unbounded)."""
        if self.min_balance is None:
            return None
        return self.balance - self.pending_debits - self.min_balance


@dataclass(slots=True)
class Delta:
    """The change a write makes to one account's four stored figures."""

    posted_debits: int = 0
    posted_credits: int = 0
    pending_debits: int = 0
    pending_credits: int = 0

    def add(self, other: "Delta") -> None:
        """Accumulate another delta into this one."""
        self.posted_debits += other.posted_debits
        self.posted_credits += other.posted_credits
        self.pending_debits += other.pending_debits
        self.pending_credits += other.pending_credits

    def apply(self, account: AccountState) -> None:
        """Apply this delta to an in-memory account state."""
        account.posted_debits += self.posted_debits
        account.posted_credits += self.posted_credits
        account.pending_debits += self.pending_debits
        account.pending_credits += self.pending_credits
