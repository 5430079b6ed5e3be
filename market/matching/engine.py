"""The procurement matching engine: who can answer a lot, alone or grouped, ranked and explained.

Pure functions over the plain data of market.matching.model (standard library only; a thin
adapter loads structures and groupings from the database). For one lot it returns

- the eligible single structures (kind admitted by the reservation, reaching the place,
  holding at least one needed sector), ranked by score; one covering only part of the
  lot's sectors still ranks, with fewer sector points;
- groupings that together cover every needed sector with enough combined capacity: the
  persistent groupings that qualify and new proposals of 2 to 4 structures
  (market.matching.groupings), ranked together.

A Directory indexes the structures once by sector and place, for many lots. Results are
deterministic: equal scores are ordered by ids.
"""

import heapq
import math
from collections.abc import Iterable

from market.matching import groupings as grouping_search
from market.matching.explain import explanation
from market.matching.model import Grouping, Lot, Match, Matches, Rules, Structure
from market.matching.reach import EARTH_KM, distance_km, distance_to, same_department
from market.matching.scoring import Candidate, LotContext, distance_share, profile_of, score

DEFAULT_RULES = Rules()
#: Side of a cell of the radius index, in degrees.
CELL_DEG = 1.0
#: Radius reaches wider than this are scanned per sector rather than spread over cells.
WIDE_KM = 600
KM_PER_DEG = EARTH_KM * math.pi / 180


def _cells(lat: float, lon: float, radius_km: float) -> list[tuple[int, int]] | None:
    """The cells a reach disc may touch (its bounding box, 1 % wider), or None if too wide."""
    dlat = radius_km * 1.01 / KM_PER_DEG
    # Longitude degrees are shortest on the box's edge farthest from the equator.
    north = max(abs(lat - dlat), abs(lat + dlat))
    if radius_km > WIDE_KM or north >= 89.0:
        return None
    dlon = dlat / math.cos(math.radians(north))
    if lon - dlon < -180 or lon + dlon > 180:
        return None  # the index does not wrap at the antimeridian: scanned instead
    return [(y, x) for y in range(math.floor(lat - dlat), math.floor(lat + dlat) + 1)
            for x in range(math.floor(lon - dlon), math.floor(lon + dlon) + 1)]


class Directory:
    """Structures and persistent groupings indexed by sector and place, to match many lots."""

    def __init__(self, structures: Iterable[Structure], groupings: Iterable[Grouping] = ()):
        self.structures = tuple(sorted(structures, key=lambda s: s.id))
        self._index_of = {s.id: i for i, s in enumerate(self.structures)}
        if len(self._index_of) != len(self.structures):
            raise ValueError("two structures share an id")
        self._kinds = [s.kind for s in self.structures]
        self._country: dict[str, list[int]] = {}  # sector -> structures
        self._departments: dict[tuple[str, str], list[int]] = {}  # (sector, department)
        self._cells: dict[tuple[str, int, int], list[int]] = {}  # (sector, cell) -> radius
        self._wide: dict[str, list[int]] = {}  # sector -> radius reaches scanned in full
        for i, s in enumerate(self.structures):
            self._add(i, s)
        self.groupings = tuple(sorted(groupings, key=lambda g: g.id))
        #: Each grouping's members, and the sectors of them all: most groupings can be set
        #: aside for a lot on these alone, before any distance is worked out.
        self._members: list[list[Structure]] = []
        self._sectors: list[frozenset[str]] = []
        for g in self.groupings:
            unknown = [m for m in g.member_ids if m not in self._index_of]
            if unknown:
                raise ValueError(f"grouping {g.id} names unknown structures {unknown}")
            members = [self.structures[self._index_of[m]] for m in g.member_ids]
            self._members.append(members)
            self._sectors.append(g.sectors.union(*(m.sectors for m in members)))

    def __len__(self) -> int:
        return len(self.structures)

    def _add(self, i: int, s: Structure) -> None:
        """Index one structure under each of its sectors, by its kind of reach."""
        if s.reach == "country":
            keys = [(self._country, sector) for sector in s.sectors]
        elif s.reach == "departments":
            keys = [(self._departments, (sector, d)) for sector in s.sectors
                    for d in s.departments]
        elif s.latitude is None or s.longitude is None or s.radius_km is None:
            return  # a radius around no known place reaches nothing
        else:
            cells = _cells(s.latitude, s.longitude, s.radius_km)
            keys = [(self._wide, sector) for sector in s.sectors] if cells is None else \
                [(self._cells, (sector, *cell)) for sector in s.sectors for cell in cells]
        for index, key in keys:
            index.setdefault(key, []).append(i)

    def _reachable(self, ctx: LotContext) -> tuple[dict[int, int], dict[int, float]]:
        """Eligible structures reaching the place -> their needed sectors (bits); and the
        distances already worked out for radius reaches."""
        lot, admitted, kinds = ctx.lot, ctx.admitted, self._kinds
        masks: dict[int, int] = {}
        distances: dict[int, float] = {}
        refused: set[int] = set()
        cell = (math.floor(lot.latitude), math.floor(lot.longitude)) if ctx.has_place else None
        for sector, bit in ctx.bits.items():
            for i in (self._country.get(sector, []) + self._departments.get(
                    (sector, lot.department), [])):
                known = masks.get(i)
                if known is not None:
                    masks[i] = known | bit
                elif admitted is None or kinds[i] in admitted:
                    masks[i] = bit
            if cell is None:
                continue
            for i in self._cells.get((sector, *cell), []) + self._wide.get(sector, []):
                known = masks.get(i)
                if known is not None:
                    masks[i] = known | bit
                elif i not in refused:
                    s = self.structures[i]
                    d = distance_km(s.latitude, s.longitude, lot.latitude, lot.longitude)
                    if (admitted is None or kinds[i] in admitted) and d <= s.radius_km:
                        masks[i], distances[i] = bit, d
                    else:
                        refused.add(i)
        return masks, distances

    def candidates(self, lot: Lot, rules: Rules = DEFAULT_RULES) -> list[Candidate]:
        """Every eligible structure reaching the place with a needed sector, scored alone."""
        if not lot.sectors:
            return []
        ctx = LotContext(lot, rules)
        return self._candidates(ctx)

    def _candidates(self, ctx: LotContext) -> list[Candidate]:
        masks, distances = self._reachable(ctx)
        found = []
        for i in sorted(masks):
            s, mask = self.structures[i], masks[i]
            d = distances[i] if i in distances else distance_to(s, ctx.lot)
            p = profile_of(s, mask.bit_count(),
                           distance_share(d, same_department(s, ctx.lot), ctx.rules))
            found.append(Candidate(i, s.id, mask, d, p, score(p, ctx)))
        return found

    def match(self, lot: Lot, rules: Rules = DEFAULT_RULES) -> Matches:
        """The ranked, explained single structures and groupings for ``lot``."""
        if not lot.sectors:
            return Matches(lot.id, (), ())
        ctx = LotContext(lot, rules)
        candidates = self._candidates(ctx)
        singles = [c for c in candidates
                   if not rules.singles_need_capacity or ctx.capacity_ok(c.profile.turnover)]
        best = heapq.nsmallest(rules.max_structures, singles, key=lambda c: (-c.score, c.id))
        return Matches(lot.id, tuple(self._single(c, ctx) for c in best),
                       self._groupings(candidates, ctx), len(candidates))

    def _single(self, c: Candidate, ctx: LotContext) -> Match:
        s = self.structures[c.index]
        return Match("structure", (c.id,), c.id, c.score,
                     explanation(c.profile, c.mask, [(s, c.distance)], False, ctx),
                     ((c.id, ctx.sectors_of(c.mask)),))

    def _groupings(self, candidates: list[Candidate], ctx: LotContext) -> tuple[Match, ...]:
        """Persistent groupings that qualify and new proposals, ranked together."""
        ranked = []  # (sort key, builder of the Match): explanations only for those kept
        taken = set()
        for g, members, sectors in zip(self.groupings, self._members, self._sectors,
                                       strict=True):
            if not ctx.lot.sectors <= sectors:
                continue
            found = grouping_search.persistent(g, members, ctx)
            if found is not None:
                ids = tuple(sorted(set(g.member_ids)))
                taken.add(ids)
                ranked.append(((-score(found[0], ctx), len(ids), ids, g.id),
                               lambda g=g, found=found, ids=ids: self._persistent(g, found,
                                                                                  ids, ctx)))
        pool = grouping_search.pool(candidates, ctx)
        for group in grouping_search.propose(pool, ctx):
            ids = tuple(sorted(c.id for c in group))
            if ids not in taken:
                p = grouping_search.profile_of_group(group, ctx)
                ranked.append(((-score(p, ctx), len(ids), ids, -1),
                               lambda group=group, p=p: self._proposal(group, p, ctx)))
        best = heapq.nsmallest(ctx.rules.max_groupings, ranked, key=lambda r: r[0])
        return tuple(build() for _key, build in best)

    def _persistent(self, g: Grouping, found, ids: tuple[int, ...], ctx: LotContext) -> Match:
        p, performers, contributions = found
        return Match("persistent_grouping", ids, g.lead_id, score(p, ctx),
                     explanation(p, ctx.full, performers, True, ctx), contributions, g.id)

    def _proposal(self, group: tuple[Candidate, ...], p, ctx: LotContext) -> Match:
        group = tuple(sorted(group, key=lambda c: c.id))
        placed = [(self.structures[c.index], c.distance) for c in group]
        return Match("grouping", tuple(c.id for c in group), grouping_search.lead_of(group).id,
                     score(p, ctx), explanation(p, ctx.full, placed, True, ctx),
                     tuple((c.id, ctx.sectors_of(c.mask)) for c in group))


def match_lot(lot: Lot, structures: Iterable[Structure], groupings: Iterable[Grouping] = (),
              rules: Rules = DEFAULT_RULES) -> Matches:
    """Match one lot against ``structures`` (build a Directory instead for many lots)."""
    return Directory(structures, groupings).match(lot, rules)
