"""Scoring bids on a lot's weighted criteria, exactly, on hand-built bids whose scores are
known; and splitting a payment by shares of the work without losing a cent."""

import ast
import pathlib
import sys
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.matching import bid_scoring
from market.matching.bid_scoring import BidFacts, score_bids, two_decimals, weights

EUROS = 100
WEIGHTS = {"price": Fraction(50), "quality": Fraction(30), "social": Fraction(20)}


def by_id(scored):
    return {s.id: s for s in scored}


def test_each_criterion_gives_its_share_of_the_weight_and_bids_sort_by_score():
    bids = [BidFacts(1, 50_000 * EUROS, 600, 15), BidFacts(2, 40_000 * EUROS, 400, 10),
            BidFacts(3, 80_000 * EUROS, 0, None)]
    scored = score_bids(bids, WEIGHTS)
    assert [s.id for s in scored] == [1, 2, 3]
    assert [s.rank for s in scored] == [1, 2, 3]
    first, second, third = scored
    # 50 × 40,000 / 50,000 + 30 × 15 / 20 + 20 × 600 / 600
    assert first.score == Fraction(40) + Fraction(45, 2) + 20
    # 50 × 1 + 30 × 10 / 20 + 20 × 400 / 600
    assert second.score == 50 + 15 + Fraction(40, 3)
    assert [two_decimals(s.score) for s in scored] == ["82.50", "78.33", "25.00"]
    points = {p.kind: p for p in third.points}
    assert points["price"].points == 25
    assert points["quality"].points == 0 and points["quality"].unmarked
    assert points["social"].points == 0 and not points["social"].unmarked


def test_a_lot_without_weighted_criteria_is_scored_price_60_quality_40():
    assert weights([]) == {"price": 60, "quality": 40}
    assert weights([("price", None), ("social", None)]) == {"price": 60, "quality": 40}
    scored = score_bids([BidFacts(1, 100, 0, 20), BidFacts(2, 200, 0, None)], weights([]))
    assert [two_decimals(s.score) for s in scored] == ["100.00", "30.00"]
    assert {p.kind for p in scored[0].points} == {"price", "quality"}


def test_weights_of_one_kind_add_up_and_unknown_kinds_are_ignored():
    found = weights([("price", Fraction(40)), ("quality", "25.5"), ("quality", 14.5),
                     ("delay", 20)])
    assert found == {"price": 40, "quality": 40}


def test_no_hours_committed_by_anyone_gives_no_social_points():
    scored = score_bids([BidFacts(1, 100, 0), BidFacts(2, 100, 0)], {"social": Fraction(100)})
    assert all(s.score == 0 for s in scored)


def test_equal_scores_put_the_cheaper_bid_first_then_the_older():
    scored = score_bids([BidFacts(5, 300, 10, 20), BidFacts(4, 300, 10, 20),
                         BidFacts(7, 200, 10, 20), BidFacts(6, 100, 0, 0)],
                        {"quality": Fraction(100)})
    assert [s.id for s in scored] == [7, 4, 5, 6]
    tied = score_bids([BidFacts(2, 100, 0), BidFacts(1, 100, 0)], {"price": Fraction(100)})
    assert [s.id for s in tied] == [1, 2]


def test_no_bids_score_nothing():
    assert score_bids([], WEIGHTS) == []


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(2, 3), "0.67"), (Fraction(1, 200), "0.01"), (Fraction(1, 201), "0.00"),
    (Fraction(0), "0.00"), (Fraction(1000), "1000.00"), (Fraction(100, 3), "33.33"),
])
def test_scores_read_with_two_decimals_rounded_half_up(value, text):
    assert two_decimals(value) == text


@pytest.mark.parametrize("facts, message", [
    (dict(id=1, price_minor=0, insertion_hours=0), "price_minor must be positive integer cents"),
    (dict(id=1, price_minor=1.5, insertion_hours=0),
     "price_minor must be positive integer cents"),
    (dict(id=1, price_minor=10, insertion_hours=-1),
     "insertion_hours must be a non-negative integer"),
    (dict(id=1, price_minor=10, insertion_hours=0, quality_mark=21),
     "quality_mark must be within 0..20"),
])
def test_a_bid_without_a_positive_integer_price_or_with_a_bad_mark_is_refused(facts, message):
    with pytest.raises(ValueError) as caught:
        BidFacts(**facts)
    assert str(caught.value) == message


def test_each_criterion_s_points_carry_their_weight_marked_or_not():
    weighted = {"price": Fraction(50), "quality": Fraction(30), "social": Fraction(20)}
    for mark in (None, 10):
        [scored] = score_bids([BidFacts(1, 1000, 0, mark)], weighted)
        assert {p.kind: p.weight for p in scored.points} == weighted
        assert isinstance(scored.score, Fraction)
    [zero] = score_bids([BidFacts(1, 1000, 0)], {"social": Fraction(20)})
    [hours] = score_bids([BidFacts(1, 1000, 40)], {"social": Fraction(20)})
    assert (hours.score, hours.points[0].weight) == (20, 20)
    assert isinstance(score_bids([BidFacts(1, 1000, 0)], {})[0].score, Fraction)
    with pytest.raises(ValueError, match="^scores are never negative$"):
        two_decimals(Fraction(-1))
    # No bid commits any hours: 0 social points of 20.
    assert (zero.score, zero.points[0].kind, zero.points[0].weight) == (0, "social", 20)


bid_lists = st.lists(st.builds(BidFacts, id=st.integers(1, 10**6),
                               price_minor=st.integers(1, 10**12),
                               insertion_hours=st.integers(0, 10**6),
                               quality_mark=st.none() | st.integers(0, 20)),
                     min_size=1, max_size=8, unique_by=lambda b: b.id)


@given(bid_lists)
def test_every_score_lies_between_zero_and_the_weights_total_and_the_cheapest_has_all_price_points(
        bids):
    scored = score_bids(bids, WEIGHTS)
    assert all(0 <= s.score <= sum(WEIGHTS.values()) for s in scored)
    assert [s.score for s in scored] == sorted((s.score for s in scored), reverse=True)
    cheapest = min(b.price_minor for b in bids)
    for bid in bids:
        price = next(p for p in by_id(scored)[bid.id].points if p.kind == "price")
        assert (price.points == WEIGHTS["price"]) == (bid.price_minor == cheapest)


def test_the_scoring_engine_imports_only_the_standard_library():
    tree = ast.parse(pathlib.Path(bid_scoring.__file__).read_text())
    names = {alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module.split(".")[0] for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    assert names <= set(sys.stdlib_module_names)


@given(st.integers(1, 10**12), st.lists(st.integers(1, 100), min_size=1, max_size=6))
def test_a_payment_split_by_shares_sums_to_the_amount_and_only_the_lead_gets_the_cents_left(
        amount, weights_):
    from market.procurement.contract_models import WHOLE
    from market.procurement.invoices import split

    total = sum(weights_)
    bps = [w * WHOLE // total for w in weights_]
    bps[0] += WHOLE - sum(bps)  # the lead's share takes what rounding left
    shares = list(enumerate(bps, start=1))
    parts = split(amount, shares, lead_id=1)
    assert sum(parts.values()) == amount
    for member, bp in shares[1:]:
        assert parts[member] == amount * bp // WHOLE
    assert 0 <= parts[1] - amount * bps[0] // WHOLE < len(shares)


def test_a_lead_without_a_share_gets_only_the_cents_left():
    from market.procurement.invoices import split

    assert split(10_001, [(2, 5000), (3, 5000)], lead_id=1) == {1: 1, 2: 5000, 3: 5000}
    assert split(10_000, [(2, 5000), (3, 5000)], lead_id=1) == {1: 0, 2: 5000, 3: 5000}


def test_one_cent_more_than_a_round_amount_goes_to_the_lead():
    from market.procurement.invoices import split

    parts = split(10_001, [(1, 3333), (2, 3333), (3, 3334)], lead_id=1)
    assert parts == {1: 3334, 2: 3333, 3: 3334}
