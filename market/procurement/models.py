"""Tenders split into lots, the structures' reach and activities, and groupings of members."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.members.models import Member, one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class TenderStatus(StrEnum):
    """A tender's (and each lot's) life: written, open to bids, past its deadline, awarded."""

    draft = "draft"
    published = "published"
    closed = "closed"
    awarded = "awarded"
    cancelled = "cancelled"


class Reservation(StrEnum):
    """Who may bid: anyone; SIAE (L2113-13); EA/ESAT (L2113-12); both; ESS (L2113-15)."""

    none = "none"
    siae = "siae"
    disability = "disability"
    both = "both"
    ess = "ess"


class CriterionKind(StrEnum):
    """What an award criterion weighs."""

    price = "price"
    quality = "quality"
    social = "social"


class NoticeSource(StrEnum):
    """Where a tender comes from: written here, or imported from a notice."""

    intercoop = "intercoop"
    eforms = "eforms"
    ocds = "ocds"


class Tender(db.Model):
    """A public buyer's call for tenders, split into lots."""

    __tablename__ = "tenders"
    __table_args__ = (
        one_of("status", TenderStatus),
        one_of("source", NoticeSource),
        # Importing the same notice twice (or our own OCDS export of it) updates the tender
        # it made: notice ids (UUIDs) and ocids (registered prefixes) are unique worldwide.
        UniqueConstraint("identifier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public body (a member with the buyer role's users) that posts it.
    buyer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                          index=True)
    source: Mapped[str] = mapped_column(String(16), default=NoticeSource.intercoop)
    #: The notice's own key (eForms notice id, OCDS ocid); ours for tenders written here.
    identifier: Mapped[str] = mapped_column(String(160))
    #: The notice's version (eForms BT-757, "01", "02"...), as last imported.
    version: Mapped[str] = mapped_column(String(16), default="")
    #: The buyer's reference of the procedure ("2024-ESP-017").
    reference: Mapped[str] = mapped_column(String(160), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: eForms procedure type ("open", "restricted", "neg-w-call", ...).
    procedure: Mapped[str] = mapped_column(String(40), default="")
    #: The buyer as the notice names it (an imported notice may say it otherwise).
    buyer_name: Mapped[str] = mapped_column(String(300), default="")
    buyer_identifier: Mapped[str] = mapped_column(String(64), default="")
    published_on: Mapped[date | None] = mapped_column(Date)
    #: When bids must be in.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=TenderStatus.draft, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    buyer: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    lots: Mapped[list["Lot"]] = relationship(back_populates="tender", order_by="Lot.lot_id",
                                             cascade="all, delete-orphan", lazy="selectin")
    documents: Mapped[list["TenderDocument"]] = relationship(
        order_by="TenderDocument.position", cascade="all, delete-orphan", lazy="selectin")


class TenderDocument(db.Model):
    """A procurement document of a tender, as a link."""

    __tablename__ = "tender_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))


lot_cpv_codes = Table(
    "lot_cpv_codes",
    db.metadata,
    Column("lot_id", Integer, ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True),
    #: A CPV 2008 code, 8 digits without the check digit.
    Column("code", String(8), primary_key=True),
    #: 0 for the main code, then the additional ones in the notice's order.
    Column("position", Integer, nullable=False),
    # Lots are found by CPV (a structure's opportunities): from the code, no table scan.
    Index("ix_lot_cpv_codes_code", "code"),
)


class LotCpv(db.Model):
    """Mapped view of lot_cpv_codes, so a lot's codes load with it."""

    __table__ = lot_cpv_codes


class Lot(db.Model):
    """A part of a tender bid for on its own: its work, place, value and reservation."""

    __tablename__ = "lots"
    __table_args__ = (
        one_of("status", TenderStatus),
        one_of("reservation", Reservation),
        UniqueConstraint("tender_id", "lot_id"),
        CheckConstraint("estimated_value_minor IS NULL OR estimated_value_minor >= 0",
                        name="value_not_negative"),
        CheckConstraint("insertion_hours IS NULL OR insertion_hours >= 0",
                        name="hours_not_negative"),
        CheckConstraint("duration_days IS NULL OR duration_days > 0", name="duration_positive"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180",
                        name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"),
                                           index=True)
    #: The notice's lot id ("LOT-0001").
    lot_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Main CPV code (8 digits); the additional ones are in ``cpv_links``.
    cpv_main: Mapped[str] = mapped_column(String(8), index=True)
    estimated_value_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16), default="EUR")
    # Place of performance: a commune, a department, a NUTS code, coordinates.
    postcode: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(3), default="", index=True)
    nuts: Mapped[str] = mapped_column(String(5), default="")
    country: Mapped[str] = mapped_column(String(2), default="FR")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    duration_days: Mapped[int | None] = mapped_column(Integer)
    reservation: Mapped[str] = mapped_column(String(16), default=Reservation.none)
    #: Hours of insertion work the clause asks for (L2112-2), if any.
    insertion_hours: Mapped[int | None] = mapped_column(Integer)
    #: eForms social objectives (BT-775: "opp" employment opportunities...), space-separated.
    social_objectives: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=TenderStatus.draft, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    tender: Mapped[Tender] = relationship(back_populates="lots")
    cpv_links: Mapped[list[LotCpv]] = relationship(order_by=LotCpv.position,
                                                   cascade="all, delete-orphan",
                                                   lazy="selectin")
    criteria: Mapped[list["LotCriterion"]] = relationship(
        order_by="LotCriterion.position", cascade="all, delete-orphan", lazy="selectin")

    @property
    def cpv_codes(self) -> list[str]:
        """Every CPV code of the lot, the main one first."""
        return [link.code for link in self.cpv_links]


class LotCriterion(db.Model):
    """An award criterion of a lot and its weight (percent)."""

    __tablename__ = "lot_criteria"
    __table_args__ = (
        one_of("kind", CriterionKind),
        CheckConstraint("weight IS NULL OR (weight >= 0 AND weight <= 100)",
                        name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300), default="")
    #: How it is judged (eForms BT-540): often where the criterion really is.
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))


class StructureReach(StrEnum):
    """Where a structure works: anywhere in the country, within a radius, in departments."""

    country = "country"
    radius = "radius"
    departments = "departments"


class ServiceKind(StrEnum):
    """How a structure takes part in a contract."""

    services = "services"  # delivers a service (green spaces, cleaning...)
    staffing = "staffing"  # provides workers (AI, ETTI)
    manufacturing = "manufacturing"  # makes goods


class Structure(db.Model):
    """What procurement knows of a member that answers tenders (SIAE, EA...): its reach."""

    __tablename__ = "structures"
    __table_args__ = (
        one_of("reach", StructureReach),
        CheckConstraint("reach <> 'radius' OR radius_km BETWEEN 1 AND 1000",
                        name="radius_given"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    reach: Mapped[str] = mapped_column(String(16), default=StructureReach.radius)
    radius_km: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    department_links: Mapped[list["StructureDepartment"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    activities: Mapped[list["StructureActivity"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def departments(self) -> list[str]:
        return sorted(link.department for link in self.department_links)


class StructureDepartment(db.Model):
    """A department a structure works in (reach ``departments``)."""

    __tablename__ = "structure_departments"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("structures.member_id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(3), primary_key=True)


class StructureActivity(db.Model):
    """A sector a structure works in, and how (services, staffing, manufacturing)."""

    __tablename__ = "structure_activities"
    __table_args__ = (one_of("service_kind", ServiceKind),
                      Index("ix_structure_activities_sector_code", "sector_code"))

    member_id: Mapped[int] = mapped_column(
        ForeignKey("structures.member_id", ondelete="CASCADE"), primary_key=True)
    #: Sector code of market/data/sectors.json.
    sector_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_kind: Mapped[str] = mapped_column(String(16), primary_key=True,
                                              default=ServiceKind.services)


class GroupingKind(StrEnum):
    """How members answer together: an economic interest grouping with its own SIRET, or a
    temporary grouping whose members are each liable for their part or for the whole."""

    gie = "gie"
    joint = "joint"
    joint_and_several = "joint_and_several"


class GroupingStatus(StrEnum):
    """A grouping proposed (invitations out), formed (every member accepted), dissolved."""

    proposed = "proposed"
    active = "active"
    dissolved = "dissolved"


class InvitationStatus(StrEnum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"


class Grouping(db.Model):
    """Several structures answering together, with a lead (the mandataire)."""

    __tablename__ = "groupings"
    __table_args__ = (one_of("kind", GroupingKind), one_of("status", GroupingStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    #: A GIE's own SIRET; a temporary grouping has none.
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    #: The member that leads: bids, signs and is paid for the grouping.
    lead_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"),
                                         index=True)
    #: The lot it was proposed for (a temporary grouping), if any.
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id", ondelete="SET NULL"),
                                               index=True)
    status: Mapped[str] = mapped_column(String(16), default=GroupingStatus.proposed)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    lead: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    members: Mapped[list["GroupingMember"]] = relationship(
        back_populates="grouping", cascade="all, delete-orphan", lazy="selectin",
        order_by="GroupingMember.member_id")
    sector_links: Mapped[list["GroupingSector"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def sectors(self) -> list[str]:
        return sorted(link.sector_code for link in self.sector_links)


class GroupingMember(db.Model):
    """A structure in a grouping, and whether it accepted to be."""

    __tablename__ = "grouping_members"
    __table_args__ = (one_of("status", InvitationStatus),)

    grouping_id: Mapped[int] = mapped_column(ForeignKey("groupings.id", ondelete="CASCADE"),
                                             primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default=InvitationStatus.invited)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grouping: Mapped[Grouping] = relationship(back_populates="members")
    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class GroupingSector(db.Model):
    """A sector a grouping covers together."""

    __tablename__ = "grouping_sectors"

    grouping_id: Mapped[int] = mapped_column(ForeignKey("groupings.id", ondelete="CASCADE"),
                                             primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(32), primary_key=True)
