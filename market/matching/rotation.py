"""The inclusive catalogue's rotation: a small purchase goes to the least-served structure.

The rule, so that anyone can re-run it from a purchase's published candidates and seed
(Python 3, standard library only)::

    import random
    rng = random.Random(seed)                      # the seed string, as shown
    ranking = []
    for received in sorted({c.received_minor for c in candidates}):   # least served first
        tied = sorted(c.member_id for c in candidates if c.received_minor == received)
        rng.shuffle(tied)                          # the same rng, group after group
        ranking.extend(tied)
    chosen = ranking[0]

A candidate is (member_id, offer_id, received_minor): the structure, its offer for the
purchase, and what it received from the catalogue in the 12 months before (integer cents).
The order candidates are given in does not matter: only amounts and ids are used. A string
seed is hashed by ``random.seed`` (version 2, SHA-512) whatever PYTHONHASHSEED, so the
shuffle is the same on every machine.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Candidate(NamedTuple):
    """A structure that can take the purchase, its offer, and what the catalogue gave it."""

    member_id: int
    offer_id: int
    received_minor: int


@dataclass(frozen=True)
class Rotation:
    """The candidates in the rule's order (the chosen one first) and the seed used."""

    ranking: tuple[Candidate, ...]
    seed: str

    @property
    def chosen(self) -> Candidate:
        return self.ranking[0]


def _candidates(raw: Iterable[Sequence[int]]) -> list[Candidate]:
    """Check the candidates: whole non-negative amounts, each structure once."""
    found = [Candidate(*c) for c in raw]
    for c in found:
        for value in c:
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"candidate values are integers, not {type(value).__name__}")
        if c.received_minor < 0:
            raise ValueError("received_minor must not be negative")
    if len({c.member_id for c in found}) != len(found):
        raise ValueError("a structure is a candidate at most once")
    if not found:
        raise ValueError("no candidate")
    return found


def rank(candidates: Iterable[Sequence[int]], seed: str) -> Rotation:
    """Rank the candidates by the rule of this module's docstring; the first one gets it."""
    if not isinstance(seed, str):
        raise TypeError("the seed is a string")
    found = _candidates(candidates)
    by_member = {c.member_id: c for c in found}
    rng = random.Random(seed)
    ranking: list[Candidate] = []
    for received in sorted({c.received_minor for c in found}):
        tied = sorted(c.member_id for c in found if c.received_minor == received)
        rng.shuffle(tied)
        ranking.extend(by_member[m] for m in tied)
    return Rotation(tuple(ranking), seed)


def verify(candidates: Iterable[Sequence[int]], seed: str) -> int:
    """The member id the rule gives the purchase to: re-run it on published candidates."""
    return rank(candidates, seed).chosen.member_id
