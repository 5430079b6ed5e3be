"""Member organisations, the networks they belong to and the sectors they work in."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.timeutil import now_utc
from market.types import UTCDateTime


class LegalForm(StrEnum):
    """Legal forms found in the social and solidarity economy (and public buyers)."""

    association = "association"
    scop = "scop"
    scic = "scic"
    cooperative = "cooperative"
    mutual = "mutual"
    foundation = "foundation"
    ess_company = "ess_company"
    public_body = "public_body"
    other = "other"


class InclusionKind(StrEnum):
    """Work-integration (SIAE) and disability-employment structure kinds; none otherwise."""

    none = "none"
    ACI = "ACI"
    AI = "AI"
    EI = "EI"
    ETTI = "ETTI"
    EITI = "EITI"
    GEIQ = "GEIQ"
    EA = "EA"
    EATT = "EATT"
    ESAT = "ESAT"


class MemberStatus(StrEnum):
    """Sign-up lifecycle: a new member waits for a network admin's approval."""

    pending = "pending"
    active = "active"
    rejected = "rejected"
    suspended = "suspended"


member_sectors = Table(
    "member_sectors",
    db.metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    #: Sector code of the taxonomy shipped in market/data/sectors.json.
    Column("sector_code", String(32), primary_key=True),
)

member_networks = Table(
    "member_networks",
    db.metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", Integer, ForeignKey("networks.id", ondelete="CASCADE"),
           primary_key=True),
)


class Network(db.Model):
    """A network members belong to: RIPESS Europe, the MES, a PTCE, a GIE..."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short name used in URLs and filters ("ripess-europe").
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: international, national, regional, ptce, other.
    kind: Mapped[str] = mapped_column(String(32), default="other")
    description: Mapped[str] = mapped_column(Text, default="")


class Member(db.Model):
    """An organisation of the network: an ESS enterprise, a SIAE, or a public buyer."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: 9-digit SIREN (Luhn-checked); derived from the SIRET for French organisations.
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    #: 14-digit SIRET of the establishment, unique; null for organisations outside France.
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    #: Registration number outside France (e.g. Spanish NIF, Belgian BCE), free text.
    foreign_id: Mapped[str | None] = mapped_column(String(40))
    #: market.members.models.LegalForm.
    legal_form: Mapped[str] = mapped_column(String(32), default=LegalForm.other)
    #: market.members.models.InclusionKind.
    inclusion_kind: Mapped[str] = mapped_column(String(8), default=InclusionKind.none,
                                                index=True)
    #: market.members.models.MemberStatus; only active members are listed publicly.
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.pending, index=True)

    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    #: INSEE commune code (5 characters, e.g. 64102 or 2A004).
    insee_code: Mapped[str | None] = mapped_column(String(5))
    #: French department code (64, 2A, 971) or the equivalent province name abroad.
    department: Mapped[str] = mapped_column(String(64), default="", index=True)
    region: Mapped[str] = mapped_column(String(120), default="", index=True)
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="FR", index=True)
    #: NUTS code of the territory (NUTS 3 when known, e.g. FRI15).
    nuts_code: Mapped[str | None] = mapped_column(String(5), index=True)
    #: WGS 84 coordinates, fixed-point so they compare exactly.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    #: Annual turnover in euro cents (integer minor units, never a float).
    turnover_cents: Mapped[int | None] = mapped_column()
    headcount: Mapped[int | None] = mapped_column()
    #: People employed on an insertion path (CDDI, mise à disposition...).
    insertion_headcount: Mapped[int | None] = mapped_column()

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    networks: Mapped[list[Network]] = relationship(secondary=member_networks, lazy="selectin",
                                                   order_by=Network.name)
    sector_links: Mapped[list["MemberSector"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan")

    @property
    def sector_codes(self) -> list[str]:
        """The codes of this member's sectors, sorted."""
        return sorted(link.sector_code for link in self.sector_links)


class MemberSector(db.Model):
    """Mapped view of member_sectors, so sectors load with their member."""

    __table__ = member_sectors
