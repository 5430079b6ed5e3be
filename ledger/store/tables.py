"""The ledger's tables (SQLAlchemy Core), with its invariants written into the schema."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
)

from ledger.core.model import MAX_ACCOUNT_SUM
from ledger.store.types import BigId, UTCDateTime

#: Constraint names fixed by convention (the market uses it too), so Alembic migrations are
#: the same on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

currencies = Table(
    "ledger_currencies", metadata,
    #: ISO 4217 code or a local code ("EUR", "SOL-PARIS").
    Column("code", String(16), primary_key=True),
    #: Human name.
    Column("name", String(100), nullable=False),
    #: Decimals: amounts are stored as integers of 10**-scale units.
    Column("scale", SmallInteger, nullable=False),
    #: fiat | mutual_credit | backed | share.
    Column("kind", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("scale >= 0 AND scale <= 18", name="scale"),
    CheckConstraint("kind IN ('fiat', 'mutual_credit', 'backed', 'share')", name="kind"),
)

accounts = Table(
    "ledger_accounts", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("currency", String(16), ForeignKey("ledger_currencies.code"), nullable=False),
    #: Who owns it, opaque to the ledger (e.g. "member:12"); None for system accounts.
    Column("owner_ref", String(64), nullable=True, index=True),
    Column("name", String(200), nullable=False),
    #: Lowest balance allowed, minor units; None is unbounded, negative a credit line.
    Column("min_balance", BigInteger, nullable=True),
    #: Highest balance allowed, minor units; None is unbounded.
    Column("max_balance", BigInteger, nullable=True),
    #: open | frozen | closed.
    Column("status", String(8), nullable=False),
    #: Sums of posted and pending amounts, minor units; balance = credits − debits.
    Column("posted_debits", BigInteger, nullable=False),
    Column("posted_credits", BigInteger, nullable=False),
    Column("pending_debits", BigInteger, nullable=False),
    Column("pending_credits", BigInteger, nullable=False),
    #: Earliest expiry among holds reserving on this account (may be early, never late).
    Column("hold_expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('open', 'frozen', 'closed')", name="status"),
    CheckConstraint("posted_debits >= 0 AND posted_credits >= 0 AND pending_debits >= 0 "
                    "AND pending_credits >= 0", name="sums"),
    #: ledger.core.model.MAX_ACCOUNT_SUM: the fast path relies on it to refuse.
    CheckConstraint(f"posted_debits <= {MAX_ACCOUNT_SUM} AND posted_credits <= {MAX_ACCOUNT_SUM} "
                    f"AND pending_debits <= {MAX_ACCOUNT_SUM} "
                    f"AND pending_credits <= {MAX_ACCOUNT_SUM}", name="sums_bounded"),
    CheckConstraint("min_balance IS NULL OR "
                    "posted_credits - posted_debits - pending_debits >= min_balance",
                    name="min_balance"),
    CheckConstraint("max_balance IS NULL OR "
                    "posted_credits - posted_debits + pending_credits <= max_balance",
                    name="max_balance"),
    CheckConstraint("status <> 'closed' OR (posted_credits = posted_debits "
                    "AND pending_debits = 0 AND pending_credits = 0)", name="closed_at_zero"),
)

transfers = Table(
    "ledger_transfers", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    #: pending | posted | voided | expired; only a pending transfer's status ever changes.
    Column("status", String(8), nullable=False),
    #: True when created as a hold (two-phase).
    Column("pending", Boolean, nullable=False),
    #: When a hold lapses; None for immediate transfers.
    Column("expires_at", UTCDateTime, nullable=True),
    #: Optional caller reference, unique across the ledger.
    Column("reference", String(128), nullable=True, unique=True),
    Column("description", String(500), nullable=False),
    Column("metadata", JSON, nullable=False),
    #: The posted transfer this one undoes; unique, so a transfer is reversed at most once.
    Column("reverses", BigId, ForeignKey("ledger_transfers.id"), nullable=True, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    #: When its amounts became posted (creation, or the post of a hold).
    Column("posted_at", UTCDateTime, nullable=True),
    #: SHA-256 of the canonical transfer (ledger.core.hashing.transfer_hash).
    Column("hash", String(64), nullable=False),
    #: Who made it, opaque to the ledger ("user:12"); None when a use case did.
    Column("placed_by", String(128), nullable=True),
    #: A hold's rule for who may post it: placer | debtor | creditor (ledger.core.model).
    Column("post_by", String(8), nullable=True),
    CheckConstraint("status IN ('pending', 'posted', 'voided', 'expired')", name="status"),
    CheckConstraint("post_by IS NULL OR (pending AND post_by IN ('placer', 'debtor', "
                    "'creditor'))", name="post_by"),
    Index("ix_ledger_transfers_posted_at", "posted_at"),
)

postings = Table(
    "ledger_postings", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("transfer_id", BigId, ForeignKey("ledger_transfers.id"), nullable=False,
           index=True),
    #: The account debited (money leaves it).
    Column("debit_account_id", BigId, ForeignKey("ledger_accounts.id"), nullable=False,
           index=True),
    #: The account credited (money arrives).
    Column("credit_account_id", BigId, ForeignKey("ledger_accounts.id"), nullable=False,
           index=True),
    #: Minor units, always positive.
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(16), ForeignKey("ledger_currencies.code"), nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
)

events = Table(
    "ledger_events", metadata,
    #: Taken in the writing transaction; commit order may differ, hence `position`.
    Column("seq", BigId, primary_key=True, autoincrement=True),
    #: created | posted | voided | expired | reversed.
    Column("kind", String(8), nullable=False),
    Column("transfer_id", BigId, ForeignKey("ledger_transfers.id"), nullable=False,
           index=True),
    #: What changed: the transfer's hash and resulting status.
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    #: Place in the hash chain, given by the sealer; None while unsealed.
    Column("position", BigInteger, nullable=True, unique=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    CheckConstraint("kind IN ('created', 'posted', 'voided', 'expired', 'reversed')",
                    name="kind"),
)

idempotency_keys = Table(
    "ledger_idempotency_keys", metadata,
    #: Who used the key (e.g. "token:5"): keys of different callers never collide.
    Column("scope", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    #: Fingerprint of the first request; another body with the same key is a conflict.
    Column("request_hash", String(64), nullable=False),
    #: The first result (a transfer, a batch) or the error it raised, as JSON.
    Column("result", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
