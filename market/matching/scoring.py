"""Scores of a structure or a grouping for one lot: six criteria, each a share of its points.

A candidate is summed up as a Profile (a grouping's is its members' together), each criterion
turns the profile into a share between 0 and 1, and the score is the points won out of the
points on offer, over 100. The search ranks on these numbers alone; the sentences that
explain them are written only for the matches returned (market.matching.explain).
"""

from typing import NamedTuple

from market.matching.model import ADMITTED, Lot, Rules, Structure

#: The criteria, in the order of Weights and of every explanation.
CRITERIA = ("sectors", "distance", "capacity", "insertion", "awards", "references")
#: The share a criterion gives when the lot does not say enough to judge it (no value, no
#: insertion clause): the same for every candidate, so it does not change the ranking.
NEUTRAL = 0.5


class Profile(NamedTuple):
    """What the criteria look at: one structure's figures, or a grouping's summed up."""

    covered: int  # needed sectors held
    distance: float  # distance share, 0-1 (a grouping: its members' mean)
    turnover: int  # cents; unknown counts 0
    headcount: int | None  # insertion employees; None when nobody gave one
    awards: int
    ref_count: int
    ref_total: float  # sum of ratings (mean x count)


class LotContext:
    """What the scoring needs of a lot and the rules, worked out once per lot."""

    __slots__ = ("lot", "rules", "needed", "bits", "full", "admitted", "value", "required",
                 "share", "weights", "total", "has_place")

    def __init__(self, lot: Lot, rules: Rules) -> None:
        self.lot, self.rules = lot, rules
        self.needed = tuple(sorted(lot.sectors))
        self.bits = {sector: 1 << i for i, sector in enumerate(self.needed)}
        self.full = (1 << len(self.needed)) - 1
        self.admitted = ADMITTED[lot.reservation]
        share = rules.max_lot_share
        self.value = lot.value_cents
        # The capacity rule in integers: value <= share x turnover <=> turnover >= required.
        self.required = None if self.value is None else \
            -(-self.value * share.denominator // share.numerator)
        self.share = float(share)
        w = rules.weights
        self.weights = (w.sectors, w.distance, w.capacity, w.insertion, w.awards, w.references)
        self.total = sum(self.weights) or 1
        self.has_place = lot.latitude is not None and lot.longitude is not None

    def capacity_ok(self, turnover: int) -> bool:
        """Whether a (combined) turnover may take the lot: value <= max share x turnover."""
        return self.required is None or turnover >= self.required

    def mask(self, sectors: frozenset[str]) -> int:
        """The needed sectors among ``sectors``, one bit each."""
        bits = self.bits
        found = 0
        for sector in sectors:
            found |= bits.get(sector, 0)
        return found

    def sectors_of(self, mask: int) -> tuple[str, ...]:
        """The needed sectors whose bits ``mask`` holds, in code order."""
        return tuple(s for i, s in enumerate(self.needed) if mask >> i & 1)


def distance_share(distance: float | None, same_department: bool, rules: Rules) -> float:
    """Full at the place, none at ``distance_zero_km``; unknown: by department."""
    if distance is not None:
        return max(0.0, 1.0 - distance / rules.distance_zero_km)
    return rules.same_department_share if same_department else 0.0


def profile_of(structure: Structure, covered: int, distance: float) -> Profile:
    """One structure's profile (``distance`` is its distance share)."""
    mean = structure.references_mean
    count = structure.references_count if mean is not None else 0
    return Profile(covered, distance, structure.turnover_cents or 0,
                   structure.insertion_headcount, structure.past_awards, count,
                   (mean or 0.0) * count)


def combined(profiles: list[Profile], covered: int, turnover: int | None = None) -> Profile:
    """Members' profiles summed up; ``turnover`` overrides theirs (a GIE's is all members')."""
    known = [p.headcount for p in profiles if p.headcount is not None]
    return Profile(covered, sum(p.distance for p in profiles) / len(profiles),
                   sum(p.turnover for p in profiles) if turnover is None else turnover,
                   sum(known) if known else None, sum(p.awards for p in profiles),
                   sum(p.ref_count for p in profiles), sum(p.ref_total for p in profiles))


def shares(p: Profile, ctx: LotContext) -> tuple[float, ...]:
    """Each criterion's share (0-1) for this profile, in CRITERIA order."""
    rules = ctx.rules
    return (p.covered / len(ctx.needed), p.distance, capacity_share(p.turnover, ctx),
            insertion_share(p.headcount, ctx.lot.insertion_hours, rules),
            min(1.0, p.awards / max(1, rules.awards_for_full)),
            references_share(p.ref_count, p.ref_total, rules))


def points(p: Profile, ctx: LotContext) -> tuple[float, ...]:
    """Each criterion's points, rounded to a tenth as the explanation shows them."""
    return tuple(round(w * s, 1) for w, s in zip(ctx.weights, shares(p, ctx), strict=True))


def score(p: Profile, ctx: LotContext) -> float:
    """The points won out of those on offer, over 100 (the sum of points when they total 100)."""
    return round(100 * sum(points(p, ctx)) / ctx.total, 1)


def capacity_share(turnover: int, ctx: LotContext) -> float:
    """None beyond the cap; from half at the cap to full for a lot tiny beside the turnover."""
    if ctx.value is None:
        return NEUTRAL
    if not ctx.value:
        return 1.0
    if turnover == 0 or turnover < ctx.required:
        return 0.0
    return 1.0 - 0.5 * (ctx.value / turnover) / ctx.share


def insertion_share(headcount: int | None, hours: int | None, rules: Rules) -> float:
    """Insertion employees' hours against the clause's, capped at full."""
    if not hours:
        return NEUTRAL
    if headcount is None:
        return 0.0
    return min(1.0, headcount * rules.insertion_hours_per_employee / hours)


def references_share(count: int, total: float, rules: Rules) -> float:
    """The mean rating on 1-5, weighed by how many references back it."""
    if not count:
        return 0.0
    rating = min(1.0, max(0.0, (total / count - 1.0) / 4.0))
    return rating * min(1.0, count / max(1, rules.references_for_full))


class Candidate(NamedTuple):
    """A structure eligible for the lot: its needed sectors (bits), distance and score alone."""

    index: int  # its place in the Directory
    id: int
    mask: int
    distance: float | None  # km; None when unknown
    profile: Profile
    score: float
