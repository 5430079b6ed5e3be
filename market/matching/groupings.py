"""Groupings for a lot: new combinations of 2 to 4 structures, and persistent groupings.

Legal rule: on a reserved lot every member of a grouping must itself be eligible (a grouping
answering an L2113-12/13 lot is made only of structures the reservation admits); the engine
never lets an ineligible structure into a proposal, and drops a persistent grouping with one.

A proposal must cover every sector the lot needs, each member reaching the place, and pass
the capacity rule on the members' combined turnover. It must also be minimal: without any
one member it would fail (a sector uncovered or the capacity short), so no member is a
passenger. The search is pruned hard; why the answer stays good is said at each step.
"""

import heapq

from market.matching.model import Grouping, Structure
from market.matching.reach import distance_to, reaches, same_department
from market.matching.scoring import (
    NEUTRAL,
    Candidate,
    LotContext,
    Profile,
    combined,
    distance_share,
    profile_of,
    shares,
)


def pool(candidates: list[Candidate], ctx: LotContext) -> list[Candidate]:
    """The few structures a proposal is made of, best first.

    - Only eligible structures that reach the place and hold a needed sector are candidates
      (the caller's list): a member bringing no sector would be a passenger.
    - A structure that could take the lot alone is left out: beside it every other member
      would be a passenger, so it belongs in no minimal grouping (it ranks as a single).
    - For each needed sector, the ``pool_per_sector`` best by their score alone, sector
      points set aside (a grouping has them all): a grouping's other criteria are its
      members' summed or averaged, so the best groupings are made of members strong alone.
      Several per sector leave real alternatives; on the benchmark's directory, against a
      pool twice as wide and a beam 300 times as wide, the best grouping of a lot lost 0.06
      points out of 100 on average (1.8 at most).
    - And, when the capacity rule binds, the ``pool_by_turnover`` largest turnovers holding
      each sector: capacity is the one rule members meet only together.
    """
    rules = ctx.rules
    usable = [c for c in candidates
              if not (c.mask == ctx.full and ctx.capacity_ok(c.profile.turnover))]
    chosen: dict[int, Candidate] = {}
    for bit in ctx.bits.values():
        holders = [c for c in usable if c.mask & bit]
        for c in heapq.nsmallest(rules.pool_per_sector, holders,
                                 key=lambda c: (-_apart_from_sectors(c, ctx), c.id)):
            chosen[c.index] = c
        if ctx.required:
            for c in heapq.nsmallest(rules.pool_by_turnover, holders,
                                     key=lambda c: (-c.profile.turnover, c.id)):
                chosen[c.index] = c
    return sorted(chosen.values(), key=_rank)


def propose(members: list[Candidate], ctx: LotContext) -> list[tuple[Candidate, ...]]:
    """Minimal groupings of the rules' sizes drawn from ``members`` (a pool), by beam search.

    Sets grow one member at a time. A member may join only if it adds a needed sector or the
    capacity is still short (otherwise it would be a passenger in every set grown from there),
    and a set that already qualifies is not grown (anything added would be a passenger). Of
    the sets still short, the ``beam_width`` most promising go on to the next size: exact
    whenever a size has no more sets than that, which is the case for most lots.
    """
    rules = ctx.rules
    found: list[tuple[Candidate, ...]] = []
    seen: set[int] = set()
    beam = [(1 << i, (i,), c.mask, c.profile.turnover) for i, c in enumerate(members)]
    for size in range(2, rules.max_grouping_size + 1):
        grown = []
        for bits, chosen, mask, turnover in beam:
            short = not ctx.capacity_ok(turnover)
            for j, c in enumerate(members):
                key = bits | 1 << j
                if key == bits or key in seen or not (short or c.mask & ~mask):
                    continue
                seen.add(key)
                state = (key, chosen + (j,), mask | c.mask, turnover + c.profile.turnover)
                if state[2] == ctx.full and ctx.capacity_ok(state[3]):
                    group = tuple(members[m] for m in state[1])
                    if size >= rules.min_grouping_size and _minimal(group, ctx):
                        found.append(group)
                else:
                    grown.append(state)
        if size == rules.max_grouping_size:
            break
        beam = heapq.nsmallest(rules.beam_width, grown,
                               key=lambda s: (-_promise([members[m] for m in s[1]], s[2], ctx),
                                              sorted(members[m].id for m in s[1])))
    return found


def profile_of_group(group: tuple[Candidate, ...], ctx: LotContext) -> Profile:
    """A proposal's profile: its members' together, every needed sector covered."""
    return combined([c.profile for c in group], len(ctx.needed))


def lead_of(group: tuple[Candidate, ...]) -> Candidate:
    """The proposed lead (mandataire): most needed sectors, then largest turnover, then id."""
    return min(group, key=lambda c: (-c.mask.bit_count(), -c.profile.turnover, c.id))


def persistent(grouping: Grouping, members: list[Structure], ctx: LotContext):
    """(profile, performers, contributions) of a persistent grouping that qualifies, or None.

    Its performers are the members that reach the place and hold a needed sector; its own
    sectors count when its lead reaches the place. Together they must cover every needed
    sector. Capacity is every member's turnover (a GIE's members answer for it jointly);
    distance and insertion are the performers'; awards and references its own and theirs.
    The size bounds are for proposals only: a GIE may have 23 members.
    """
    admitted = ctx.admitted
    if admitted is not None and any(m.kind not in admitted for m in members):
        return None
    brings: dict[int, int] = {}
    placed: dict[int, tuple[Structure, float | None]] = {}
    for m in members:
        if reaches(m, ctx.lot):
            placed[m.id] = (m, distance_to(m, ctx.lot))
            if ctx.mask(m.sectors):
                brings[m.id] = ctx.mask(m.sectors)
    if grouping.sectors and grouping.lead_id in placed and ctx.mask(grouping.sectors):
        brings[grouping.lead_id] = brings.get(grouping.lead_id, 0) | ctx.mask(grouping.sectors)
    mask = 0
    for bits in brings.values():
        mask |= bits
    turnover = sum(m.turnover_cents or 0 for m in members)
    if mask != ctx.full or not ctx.capacity_ok(turnover):
        return None
    performers = [placed[i] for i in sorted(brings)]
    profiles = [profile_of(s, 0, distance_share(d, same_department(s, ctx.lot), ctx.rules))
                for s, d in performers]
    p = combined(profiles, len(ctx.needed), turnover)
    mean, count = grouping.references_mean, grouping.references_count
    own = count if mean is not None else 0
    p = p._replace(awards=p.awards + grouping.past_awards, ref_count=p.ref_count + own,
                   ref_total=p.ref_total + (mean or 0.0) * own)
    contributions = tuple((i, ctx.sectors_of(brings[i])) for i in sorted(brings))
    return p, performers, contributions


def _apart_from_sectors(c: Candidate, ctx: LotContext) -> float:
    """A candidate's score without its sector points, which a grouping always has in full."""
    return c.score - 100 * ctx.weights[0] * c.profile.covered / len(ctx.needed) / ctx.total


def _rank(c: Candidate) -> tuple[float, int]:
    return (-c.score, c.id)


def _minimal(group: tuple[Candidate, ...], ctx: LotContext) -> bool:
    """Whether every member is needed: without it a sector or the capacity falls short."""
    for left_out in range(len(group)):
        mask, turnover = 0, 0
        for k, c in enumerate(group):
            if k != left_out:
                mask |= c.mask
                turnover += c.profile.turnover
        if mask == ctx.full and ctx.capacity_ok(turnover):
            return False
    return True


def _promise(group: list[Candidate], mask: int, ctx: LotContext) -> float:
    """How good a set still short would be: its score with the sectors it covers so far and,
    instead of no capacity points, its progress toward the capacity needed (up to half)."""
    p = combined([c.profile for c in group], mask.bit_count())
    found = list(shares(p, ctx))
    if not ctx.capacity_ok(p.turnover):
        found[2] = NEUTRAL * p.turnover / ctx.required
    return sum(w * s for w, s in zip(ctx.weights, found, strict=True))
