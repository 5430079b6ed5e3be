"""Bids on lots, the contracts awarded, their invoices, the insertion hours worked, the
facilitators' territories, and purchases placed through the inclusive catalogue."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.members.models import Member, one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime

#: Shares of the work are kept in basis points: 10,000 is the whole (no float, ever).
WHOLE = 10_000


class BidStatus(StrEnum):
    """A bid sent, taken back before the deadline, chosen, or not chosen."""

    submitted = "submitted"
    withdrawn = "withdrawn"
    awarded = "awarded"
    rejected = "rejected"


class Bid(db.Model):
    """An answer to a lot: by a structure alone, or by a grouping through its lead."""

    __tablename__ = "bids"
    __table_args__ = (
        one_of("status", BidStatus),
        # One answer per bidder and lot (a new price replaces the old one).
        UniqueConstraint("lot_id", "member_id"),
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("insertion_hours >= 0", name="hours_not_negative"),
        CheckConstraint("quality_mark IS NULL OR quality_mark BETWEEN 0 AND 20",
                        name="quality_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), index=True)
    #: Who bids: the structure, or the grouping's lead.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           index=True)
    grouping_id: Mapped[int | None] = mapped_column(
        ForeignKey("groupings.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16), default="EUR")
    #: Insertion hours the bidder commits to (the clause's, or more).
    insertion_hours: Mapped[int] = mapped_column(Integer, default=0)
    #: The technical offer in a few words (the documents go through the buyer's platform).
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The buyer's mark of the bid's quality, out of 20, given when comparing bids.
    quality_mark: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=BidStatus.submitted)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    shares: Mapped[list["BidShare"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="BidShare.member_id")


class BidShare(db.Model):
    """A member's share of a bid's work (and so of its payments), in basis points."""

    __tablename__ = "bid_shares"
    __table_args__ = (CheckConstraint(f"share_bp BETWEEN 1 AND {WHOLE}", name="share_range"),)

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"),
                                        primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           primary_key=True, index=True)
    share_bp: Mapped[int] = mapped_column(Integer)
    #: Its part of the work ("tonte et taille", "menuiserie").
    work: Mapped[str] = mapped_column(String(300), default="")

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class ContractStatus(StrEnum):
    active = "active"
    completed = "completed"


class Contract(db.Model):
    """A lot awarded to a bid: who holds it, for how much, with how many insertion hours."""

    __tablename__ = "contracts"
    __table_args__ = (one_of("status", ContractStatus),
                      CheckConstraint("amount_minor > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A lot is awarded once: the unique key makes a second award fail even when raced.
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"),
                                        unique=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="RESTRICT"),
                                        unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                          index=True)
    #: The bidder: the structure, or the grouping's lead.
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           index=True)
    grouping_id: Mapped[int | None] = mapped_column(
        ForeignKey("groupings.id", ondelete="RESTRICT"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16), default="EUR")
    insertion_hours: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.active)
    awarded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    bid: Mapped[Bid] = relationship(lazy="joined", innerjoin=True)
    buyer: Mapped[Member] = relationship(foreign_keys=[buyer_id], lazy="joined",
                                         innerjoin=True)
    holder: Mapped[Member] = relationship(foreign_keys=[holder_id], lazy="joined",
                                          innerjoin=True)
    invoices: Mapped[list["ContractInvoice"]] = relationship(
        order_by="ContractInvoice.id", cascade="all, delete-orphan", lazy="selectin")


class InvoiceStatus(StrEnum):
    issued = "issued"
    paid = "paid"


class ContractInvoice(db.Model):
    """An invoice of a contract's holder; paying it is one ledger transfer split by shares."""

    __tablename__ = "contract_invoices"
    __table_args__ = (one_of("status", InvoiceStatus),
                      UniqueConstraint("contract_id", "number"),
                      CheckConstraint("amount_minor > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"),
                                             index=True)
    #: The holder's invoice number ("F-2027-004").
    number: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.issued)
    #: The ledger transfer that paid it.
    transfer_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PersonCategory(StrEnum):
    """Who the insertion hours were worked by (counted, never named)."""

    long_term_unemployed = "long_term_unemployed"
    minimum_income = "minimum_income"  # RSA, ASS, AAH
    youth = "youth"  # under 26 with few qualifications
    disabled = "disabled"
    senior = "senior"  # over 50, job seekers
    siae_pathway = "siae_pathway"  # on a pathway in a SIAE
    other = "other"


class ReportStatus(StrEnum):
    """An hours report sent, checked by the facilitator, or sent back with a question."""

    submitted = "submitted"
    validated = "validated"
    questioned = "questioned"


class HoursReport(db.Model):
    """Insertion hours a structure worked on a contract in a month, for a category of people."""

    __tablename__ = "hours_reports"
    __table_args__ = (
        one_of("category", PersonCategory),
        one_of("status", ReportStatus),
        UniqueConstraint("contract_id", "member_id", "month", "category"),
        CheckConstraint("hours > 0 AND hours <= 100000", name="hours_range"),
        CheckConstraint("people BETWEEN 1 AND 10000", name="people_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"),
                                             index=True)
    #: The structure that worked them: the holder or a member of its grouping.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                           index=True)
    #: The month, as its first day.
    month: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(32))
    hours: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    #: How many people worked them.
    people: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.submitted)
    #: The facilitator's question or remark.
    comment: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class FacilitatorDepartment(db.Model):
    """A department whose contracts a clause facilitator follows."""

    __tablename__ = "facilitator_departments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    department: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)


class CataloguePurchase(db.Model):
    """A small purchase the inclusive catalogue gave to the least-served eligible structure.

    ``candidates`` and ``seed`` let anyone check the rotation: the structures that could
    have had it, what each received from the catalogue in the 12 months before, and the
    seed that broke ties.
    """

    __tablename__ = "catalogue_purchases"
    __table_args__ = (CheckConstraint("value_minor > 0", name="value_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                          index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: What was asked: a sector of the taxonomy, where, how many, for at most how much.
    sector_code: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int] = mapped_column(Integer)
    #: Who got it, with which offer, and the marketplace order that runs it.
    supplier_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                             index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"),
                                          unique=True)
    value_minor: Mapped[int] = mapped_column(BigInteger)
    seed: Mapped[str] = mapped_column(String(64))
    #: [{"member_id", "offer_id", "received_minor"}] in the order the rule ranked them.
    candidates: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    supplier: Mapped[Member] = relationship(foreign_keys=[supplier_id], lazy="joined",
                                            innerjoin=True)
