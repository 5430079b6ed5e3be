"""Member organisations, the networks they belong to and the sectors they work in."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


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


#: Statuses of members the network has accepted: their SIRET is theirs alone.
APPROVED = (MemberStatus.active, MemberStatus.suspended)
_APPROVED_SQL = "status IN ('active', 'suspended')"


member_sectors = Table(
    "member_sectors",
    db.metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    #: Sector code of the taxonomy shipped in market/data/sectors.json.
    Column("sector_code", String(32), primary_key=True),
    # The directory filters by sector: find members from the code without a table scan.
    Index("ix_member_sectors_sector_code", "sector_code"),
)

member_networks = Table(
    "member_networks",
    db.metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", Integer, ForeignKey("networks.id", ondelete="CASCADE"),
           primary_key=True),
    Index("ix_member_networks_network_id", "network_id"),
)


def one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    """Constrain ``column`` to the values of an enumeration, in the database too."""
    listed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


class Network(db.Model):
    """A network members belong to: RIPESS Europe, the MES, a PTCE, a GIE..."""

    __tablename__ = "networks"

    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short name used in URLs and filters ("ripess-europe").
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: Display name ("RIPESS Europe").
    name: Mapped[str] = mapped_column(String(200))
    #: international, national, regional, ptce, other.
    kind: Mapped[str] = mapped_column(String(32), default="other")
    #: What the network is, in a few sentences.
    description: Mapped[str] = mapped_column(Text, default="")


class Member(db.Model):
    """An organisation of the network: an ESS enterprise, a SIAE, or a public buyer."""

    __tablename__ = "members"
    __table_args__ = (
        one_of("legal_form", LegalForm),
        one_of("inclusion_kind", InclusionKind),
        one_of("status", MemberStatus),
        CheckConstraint("turnover_cents IS NULL OR turnover_cents >= 0",
                        name="turnover_not_negative"),
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount_not_negative"),
        CheckConstraint("insertion_headcount IS NULL OR insertion_headcount >= 0",
                        name="insertion_headcount_not_negative"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90",
                        name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180",
                        name="longitude_range"),
        # One approved member per SIRET; pending claims may share one, to be contested.
        Index("uq_members_siret_approved", "siret", unique=True,
              postgresql_where=text(_APPROVED_SQL), sqlite_where=text(_APPROVED_SQL)),
    )

    #: Surrogate key; also the keyset of paginated lists.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Name the organisation is known by.
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: 9-digit SIREN (Luhn-checked); derived from the SIRET for French organisations.
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    #: 14-digit SIRET of the establishment; null for organisations outside France. Unique
    #: among approved members; several pending sign-ups may claim it (a contest).
    siret: Mapped[str | None] = mapped_column(String(14), index=True)
    #: Registration number outside France (e.g. Spanish NIF, Belgian BCE), free text.
    foreign_id: Mapped[str | None] = mapped_column(String(40))
    #: market.members.models.LegalForm.
    legal_form: Mapped[str] = mapped_column(String(32), default=LegalForm.other)
    #: market.members.models.InclusionKind.
    inclusion_kind: Mapped[str] = mapped_column(String(8), default=InclusionKind.none,
                                                index=True)
    #: market.members.models.MemberStatus; only active members are listed publicly.
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.pending, index=True)

    #: Street address of the establishment.
    address: Mapped[str] = mapped_column(String(300), default="")
    #: Postal code (French or foreign).
    postcode: Mapped[str] = mapped_column(String(16), default="")
    #: Commune or town.
    city: Mapped[str] = mapped_column(String(120), default="")
    #: INSEE commune code (5 characters, e.g. 64102 or 2A004).
    insee_code: Mapped[str | None] = mapped_column(String(5))
    #: French department code (64, 2A, 971) or the equivalent province name abroad.
    department: Mapped[str] = mapped_column(String(64), default="", index=True)
    #: Region (Nouvelle-Aquitaine, Catalunya, Wallonie...).
    region: Mapped[str] = mapped_column(String(120), default="", index=True)
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="FR", index=True)
    #: NUTS code of the territory (NUTS 3 when known, e.g. FRI15).
    nuts_code: Mapped[str | None] = mapped_column(String(5), index=True)
    #: WGS 84 coordinates, fixed-point so they compare exactly.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    #: What the organisation does, shown on its profile.
    description: Mapped[str] = mapped_column(Text, default="")
    #: Public web site (http or https URL).
    website: Mapped[str] = mapped_column(String(300), default="")
    #: Public contact: person, email and phone.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    #: Annual turnover in euro cents (integer minor units, never a float).
    turnover_cents: Mapped[int | None] = mapped_column()
    #: Employees (people, not full-time equivalents).
    headcount: Mapped[int | None] = mapped_column()
    #: People employed on an insertion path (CDDI, mise à disposition...).
    insertion_headcount: Mapped[int | None] = mapped_column()

    #: When the member was created and last changed (UTC).
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
