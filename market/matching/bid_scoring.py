"""Scoring bids on a lot's weighted award criteria, exactly (fractions, never floats).

Each criterion weighs a share of the score, in percent:
- price: weight × lowest price / the bid's price (the cheapest bid has all the points);
- quality: weight × the buyer's mark / 20 (a bid not marked yet has none, and says so);
- social: weight × the bid's insertion hours / the most hours committed (none when no bid
  commits any).
Several criteria of one kind add up. A lot whose criteria carry no weight at all is scored
on the usual split: price 60, quality 40.
"""

import math
from dataclasses import dataclass
from fractions import Fraction

KINDS = ("price", "quality", "social")
#: What a lot without any weighted criterion is scored on.
DEFAULT_WEIGHTS = {"price": Fraction(60), "quality": Fraction(40)}
#: The best mark the buyer gives a bid's quality.
MAX_MARK = 20


@dataclass(frozen=True, slots=True)
class BidFacts:
    """What scoring reads of a bid: its price (integer cents), hours and quality mark."""

    id: int
    price_minor: int
    insertion_hours: int
    quality_mark: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.price_minor, int) or isinstance(self.price_minor, bool) \
                or self.price_minor <= 0:
            raise ValueError("price_minor must be positive integer cents")
        if not isinstance(self.insertion_hours, int) or self.insertion_hours < 0:
            raise ValueError("insertion_hours must be a non-negative integer")
        if self.quality_mark is not None and not 0 <= self.quality_mark <= MAX_MARK:
            raise ValueError(f"quality_mark must be within 0..{MAX_MARK}")


@dataclass(frozen=True, slots=True)
class Points:
    """One criterion's points for a bid, out of its weight."""

    kind: str
    weight: Fraction
    points: Fraction
    #: The quality criterion of a bid the buyer has not marked: 0 points, for that reason.
    unmarked: bool = False


@dataclass(frozen=True, slots=True)
class ScoredBid:
    """A bid's score (out of the weights' total) and the points of each criterion."""

    id: int
    score: Fraction
    points: tuple[Points, ...]
    rank: int = 0


def weights(criteria: list[tuple[str, Fraction | int | str | None]]) -> dict[str, Fraction]:
    """Each kind's weight: the criteria's own weights summed by kind, or DEFAULT_WEIGHTS when
    none carries a weight. Unknown kinds are ignored."""
    found: dict[str, Fraction] = {}
    for kind, weight in criteria:
        if kind in KINDS and weight is not None:
            found[kind] = found.get(kind, Fraction(0)) + Fraction(weight)
    if not found:
        return dict(DEFAULT_WEIGHTS)
    return {kind: found[kind] for kind in KINDS if kind in found}


def score_bids(bids: list[BidFacts], weighted: dict[str, Fraction]) -> list[ScoredBid]:
    """Score every bid against the others, best first (ties: lower price, then id)."""
    if not bids:
        return []
    lowest = min(b.price_minor for b in bids)
    most_hours = max(b.insertion_hours for b in bids)
    scored = []
    for bid in bids:
        points = []
        for kind in KINDS:
            if kind not in weighted:
                continue
            weight = Fraction(weighted[kind])
            points.append(_points(kind, weight, bid, lowest, most_hours))
        scored.append(ScoredBid(bid.id, sum((p.points for p in points), Fraction(0)),
                                tuple(points)))
    prices = {b.id: b.price_minor for b in bids}
    scored.sort(key=lambda s: (-s.score, prices[s.id], s.id))
    return [ScoredBid(s.id, s.score, s.points, rank) for rank, s in enumerate(scored, start=1)]


def _points(kind: str, weight: Fraction, bid: BidFacts, lowest: int, most_hours: int) -> Points:
    """One criterion's points for ``bid``."""
    if kind == "price":
        return Points(kind, weight, weight * lowest / bid.price_minor)
    if kind == "quality":
        if bid.quality_mark is None:
            return Points(kind, weight, Fraction(0), unmarked=True)
        return Points(kind, weight, weight * bid.quality_mark / MAX_MARK)
    if most_hours == 0:
        return Points(kind, weight, Fraction(0))
    return Points(kind, weight, weight * bid.insertion_hours / most_hours)


def two_decimals(value: Fraction) -> str:
    """A non-negative fraction as a decimal string with 2 decimals, rounded half up."""
    if value < 0:
        raise ValueError("scores are never negative")
    hundredths = math.floor(value * 100 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"
