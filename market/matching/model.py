"""The matching engine's plain data: structures, groupings and lots in, explained matches out.

Everything here is frozen: a Directory holds these for many lots, and a page can keep a Match.
Money is integer cents; a float where cents are expected is refused (TypeError).
"""

from dataclasses import dataclass, field
from fractions import Fraction

#: Work-integration structures (SIAE, Code du travail L5132-4): reserved lots of L2113-13.
SIAE_KINDS = frozenset({"ACI", "AI", "EI", "ETTI", "EITI"})
#: Disability-employment structures: reserved lots of L2113-12.
DISABILITY_KINDS = frozenset({"EA", "EATT", "ESAT"})
#: Every kind the engine knows; "none" is an ordinary (ESS) enterprise, GEIQ neither of the above.
KINDS = SIAE_KINDS | DISABILITY_KINDS | {"GEIQ", "none"}
#: A lot's reservation -> the kinds it admits; None admits every kind. "ess" (L2113-15) admits
#: all: every structure handed to the engine is a member of the ESS network.
ADMITTED: dict[str, frozenset[str] | None] = {
    "none": None, "ess": None, "siae": SIAE_KINDS, "disability": DISABILITY_KINDS,
    "both": SIAE_KINDS | DISABILITY_KINDS,
}
RESERVATIONS = tuple(ADMITTED)
#: How far a structure works: all of France, a radius around its place, listed departments.
REACHES = ("country", "radius", "departments")


def _cents(value: int | None, name: str) -> None:
    """Refuse a float (or any non-integer) amount of money, and a negative one."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(f"{name} must be integer cents, not {type(value).__name__}")
    if value is not None and value < 0:
        raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True, slots=True)
class Structure:
    """A member structure as the engine sees it: what it does, where it reaches, its size."""

    id: int
    name: str
    kind: str
    sectors: frozenset[str]
    latitude: float | None = None
    longitude: float | None = None
    department: str = ""
    reach: str = "country"
    radius_km: int | None = None
    departments: frozenset[str] = frozenset()
    turnover_cents: int | None = None
    insertion_headcount: int | None = None
    past_awards: int = 0
    references_count: int = 0
    references_mean: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown structure kind {self.kind!r}")
        if self.reach not in REACHES:
            raise ValueError(f"unknown reach {self.reach!r}")
        _cents(self.turnover_cents, "turnover_cents")
        # Callers pass lists or sets; the indexes and equality want frozensets.
        object.__setattr__(self, "sectors", frozenset(self.sectors))
        object.__setattr__(self, "departments", frozenset(self.departments))


@dataclass(frozen=True, slots=True)
class Grouping:
    """A persistent grouping (GIE, co-contracting group): capacity and reach are its members'."""

    id: int
    name: str
    member_ids: tuple[int, ...]
    lead_id: int
    sectors: frozenset[str] = frozenset()
    past_awards: int = 0
    references_count: int = 0
    references_mean: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "member_ids", tuple(self.member_ids))
        object.__setattr__(self, "sectors", frozenset(self.sectors))
        if len(set(self.member_ids)) != len(self.member_ids):
            raise ValueError(f"grouping {self.id} names a member twice")
        if self.lead_id not in self.member_ids:
            raise ValueError(f"grouping {self.id}: its lead {self.lead_id} is not a member")


@dataclass(frozen=True, slots=True)
class Lot:
    """A lot of a public tender: the sectors it needs (mapped from CPV), its place and value."""

    id: int
    sectors: frozenset[str]
    department: str = ""
    latitude: float | None = None
    longitude: float | None = None
    value_cents: int | None = None
    reservation: str = "none"
    insertion_hours: int | None = None

    def __post_init__(self) -> None:
        if self.reservation not in ADMITTED:
            raise ValueError(f"unknown reservation {self.reservation!r}")
        _cents(self.value_cents, "value_cents")
        object.__setattr__(self, "sectors", frozenset(self.sectors))


@dataclass(frozen=True, slots=True)
class Weights:
    """Points of each criterion; the score is the share of their total, out of 100."""

    sectors: int = 30
    distance: int = 15
    capacity: int = 20
    insertion: int = 15
    awards: int = 10
    references: int = 10

    def total(self) -> int:
        return (self.sectors + self.distance + self.capacity + self.insertion + self.awards
                + self.references)


@dataclass(frozen=True, slots=True)
class Rules:
    """What the engine may propose and how it scores; the defaults suit French reserved lots."""

    #: The lot may be at most this share of the (combined) turnover; 0.30 and "3/10" both work.
    max_lot_share: Fraction = Fraction(3, 10)
    min_grouping_size: int = 2
    max_grouping_size: int = 4
    max_structures: int = 20
    max_groupings: int = 10
    weights: Weights = field(default_factory=Weights)
    #: Clause hours one insertion employee covers: a CDDI at 26 h a week for about a year.
    insertion_hours_per_employee: int = 1_200
    #: Distance points fall linearly from full at 0 km to none at this distance.
    distance_zero_km: int = 200
    #: Share of the distance points when a distance is unknown but the department is the lot's.
    same_department_share: float = 0.6
    #: Past awards and marketplace references needed for full points.
    awards_for_full: int = 5
    references_for_full: int = 5
    #: Single structures must also pass the capacity rule (off: a partial fit may still rank).
    singles_need_capacity: bool = False
    #: Grouping search bounds: best structures kept per sector, the largest turnovers added,
    #: and the beam's width per grouping size (see market.matching.groupings).
    pool_per_sector: int = 10
    pool_by_turnover: int = 3
    beam_width: int = 64

    def __post_init__(self) -> None:
        share = self.max_lot_share
        # A float ratio is read as the decimal it was written as (0.3 -> 3/10), exactly.
        share = Fraction(str(share)) if isinstance(share, float) else Fraction(share)
        if not 0 < share <= 1:
            raise ValueError("max_lot_share must be in (0, 1]")
        object.__setattr__(self, "max_lot_share", share)
        if not 2 <= self.min_grouping_size <= self.max_grouping_size:
            raise ValueError("grouping sizes must satisfy 2 <= min <= max")


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence in French (the main language) and in English: the engine has no gettext."""

    fr: str
    en: str

    def __getitem__(self, language: str) -> str:
        if language not in ("fr", "en"):
            raise KeyError(language)
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a match's explanation: the points given out of the maximum, and why."""

    code: str  # sectors, distance, capacity, insertion, awards, references
    points: float
    max_points: int
    why: Text


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a structure is not eligible for a lot (see why_not)."""

    code: str  # kind, reach, sectors, capacity
    why: Text


@dataclass(frozen=True, slots=True)
class Match:
    """A ranked answer: a structure, a proposed grouping or a persistent grouping, explained."""

    kind: str  # structure, grouping, persistent_grouping
    structure_ids: tuple[int, ...]
    lead_id: int
    score: float  # 0-100
    explanation: tuple[Criterion, ...]
    #: (structure id, the lot's sectors it brings) for each member doing part of the lot.
    contributions: tuple[tuple[int, tuple[str, ...]], ...] = ()
    grouping_id: int | None = None


@dataclass(frozen=True, slots=True)
class Matches:
    """The answer for one lot: single structures, and groupings (persistent and proposed)."""

    lot_id: int
    structures: tuple[Match, ...]
    groupings: tuple[Match, ...]
    #: Eligible structures that reach the place and hold at least one needed sector.
    candidates: int = 0
