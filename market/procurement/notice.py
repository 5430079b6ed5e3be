"""A contract notice as plain data: what an import reads (eForms, OCDS) and an export writes.

The importers fill these from a file, the procurement services turn them into tenders and
lots (the same notice imported twice updates its tender), and the OCDS export builds them
from a tender. Nothing here touches the database or Flask.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

#: A lot's reservation: none; SIAE (L2113-13); disability, EA/ESAT (L2113-12); both; ESS
#: enterprises (L2113-15, eForms res-pub-ser, OCDS publicServiceMissionOrganization).
RESERVATIONS = ("none", "siae", "disability", "both", "ess")
#: What an award criterion weighs.
CRITERION_KINDS = ("price", "quality", "social")
#: A lot's social objectives (eForms BT-775): accessibility, ethnic equality, gender equality,
#: human rights in supply chains, employment of the disadvantaged, other, working conditions.
SOCIAL_OBJECTIVES = ("acc-all", "et-eq", "gen-eq", "hum-right", "opp", "other", "work-cond")


@dataclass
class Place:
    """Where a lot is performed; any part may be missing but the notice gives at least one."""

    postcode: str = ""
    city: str = ""
    department: str = ""  # French department code ("17", "2A", "974"), when known
    nuts: str = ""  # NUTS code as the notice gives it ("FRI32", "FR", "FRD22")
    country: str = ""  # ISO 3166-1 alpha-2
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass
class Criterion:
    """An award criterion and its weight (percent of the score)."""

    kind: str  # one of CRITERION_KINDS
    name: str = ""
    weight: Decimal | None = None
    description: str = ""  # how the criterion is judged (eForms BT-540)


@dataclass
class Document:
    """A procurement document, given as a link."""

    title: str
    url: str


@dataclass
class NoticeLot:
    """One lot of a notice."""

    lot_id: str  # "LOT-0001"
    title: str
    description: str = ""
    cpv_main: str = ""  # 8 digits, no check digit
    cpv_additional: list[str] = field(default_factory=list)
    estimated_value_minor: int | None = None  # in cents of ``currency``
    currency: str = "EUR"
    place: Place | None = None
    duration_days: int | None = None
    reservation: str = "none"  # one of RESERVATIONS
    insertion_hours: int | None = None
    criteria: list[Criterion] = field(default_factory=list)
    social_objectives: list[str] = field(default_factory=list)  # SOCIAL_OBJECTIVES codes


@dataclass
class Notice:
    """A contract notice: the tender, its buyer and its lots."""

    source: str  # "eforms" | "ocds" | "intercoop"
    identifier: str  # stable key of the notice (eForms notice id, OCDS ocid): re-import updates
    reference: str  # the buyer's own reference of the procedure (contract folder id)
    title: str
    description: str = ""
    procedure: str = ""  # eForms procedure-type code ("open", "restricted", "neg-w-call"...)
    buyer_name: str = ""
    buyer_identifier: str = ""  # SIRET when French, otherwise the notice's organisation id
    buyer_country: str = ""
    published_on: date | None = None
    deadline: datetime | None = None  # tenders' receipt deadline, timezone-aware
    documents: list[Document] = field(default_factory=list)
    lots: list[NoticeLot] = field(default_factory=list)
    version: str = ""  # eForms notice version (BT-757, "01", "02"...): a higher one is newer


class NoticeError(ValueError):
    """A file that is not an acceptable notice: ``problems`` name each thing that is wrong
    (a path into the file, then what is wrong there)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
