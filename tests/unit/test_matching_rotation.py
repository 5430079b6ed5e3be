"""The catalogue's rotation: the least served wins, ties fall by the seed, reproducibly."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.matching.rotation import Candidate, rank, verify

TIED = [(1, 11, 0), (2, 12, 0), (3, 13, 0), (4, 14, 0), (5, 15, 0)]


def test_the_least_served_structure_gets_the_purchase():
    candidates = [(1, 11, 90_000), (2, 12, 500), (3, 13, 12_000)]
    assert verify(candidates, "seed") == 2
    assert [c.member_id for c in rank(candidates, "seed").ranking] == [2, 3, 1]


def test_a_structure_never_served_comes_before_any_served_one_whatever_the_seed():
    candidates = [(7, 70, 1), (3, 30, 0), (9, 90, 1)]
    assert {verify(candidates, f"seed-{i}") for i in range(50)} == {3}


def test_ties_fall_the_same_way_for_the_same_seed():
    first = rank(TIED, "abc123").ranking
    assert all(rank(TIED, "abc123").ranking == first for _ in range(5))


def test_ties_fall_another_way_for_some_other_seed():
    chosen = {verify(TIED, f"seed-{i}") for i in range(40)}
    assert len(chosen) > 1


def test_the_order_candidates_are_given_in_does_not_matter():
    candidates = [*TIED, (6, 16, 300), (7, 17, 300), (8, 18, 5)]
    expected = rank(candidates, "f00d").ranking
    shuffled = list(candidates)
    for i in range(10):
        random.Random(i).shuffle(shuffled)
        assert rank(shuffled, "f00d").ranking == expected


def test_the_documented_procedure_gives_the_same_ranking():
    candidates = [(4, 14, 0), (2, 12, 0), (9, 19, 700), (5, 15, 700), (1, 11, 80)]
    rng = random.Random("0a1b2c")
    expected = []
    for received in sorted({c[2] for c in candidates}):
        tied = sorted(c[0] for c in candidates if c[2] == received)
        rng.shuffle(tied)
        expected.extend(tied)
    assert [c.member_id for c in rank(candidates, "0a1b2c").ranking] == expected


def test_the_ranking_keeps_each_candidate_with_its_offer_and_amount():
    ranking = rank([(1, 11, 5), (2, 12, 0)], "s").ranking
    assert ranking == (Candidate(2, 12, 0), Candidate(1, 11, 5))


@pytest.mark.parametrize("candidates, error, message", [
    ([], ValueError, "no candidate"),
    ([(1, 11, 0), (1, 12, 3)], ValueError, "a structure is a candidate at most once"),
    ([(1, 11, -1)], ValueError, "received_minor must not be negative"),
    ([(1, 11, 1.5)], TypeError, "candidate values are integers, not float"),
    ([(1, 11, True)], TypeError, "candidate values are integers, not bool"),
])
def test_candidates_that_cannot_be_ranked_are_refused(candidates, error, message):
    with pytest.raises(error) as caught:
        rank(candidates, "seed")
    assert str(caught.value) == message


def test_a_seed_that_is_not_a_string_is_refused():
    with pytest.raises(TypeError, match="^the seed is a string$"):
        rank([(1, 11, 0)], 42)


def test_the_rotation_keeps_the_seed_it_was_drawn_with():
    assert rank([(1, 11, 0), (2, 12, 0)], "graine-42").seed == "graine-42"


@given(st.dictionaries(st.integers(1, 10**6), st.integers(0, 10**9), min_size=1, max_size=30),
       st.text(max_size=40))
def test_the_chosen_structure_received_the_least(received, seed):
    candidates = [(m, m + 1, r) for m, r in received.items()]
    assert received[verify(candidates, seed)] == min(received.values())
