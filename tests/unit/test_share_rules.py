"""The pure rules of cooperative shares, at their edges."""

from types import SimpleNamespace as E

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.currencies import share_rules as rules
from market.currencies.share_rules import Holding, ShareRuleError


def refused(code, call, *args):
    with pytest.raises(ShareRuleError) as caught:
        call(*args)
    assert caught.value.code == code
    return caught.value


def test_a_quarter_is_the_least_paid_at_subscription_rounded_up():
    assert rules.minimum_paid(4, 1000) == 1000
    assert rules.minimum_paid(1, 1001) == 251
    assert rules.check_subscription(4, 1000, 1000, 1, None) == 3000


def test_paying_a_cent_less_than_a_quarter_is_refused():
    error = refused("quarter_unpaid", rules.check_subscription, 4, 999, 1000, 1, None)
    assert error.field == "paid" and error.figures["minimum"] == 1000


def test_paying_everything_leaves_nothing_unpaid_and_more_is_refused():
    assert rules.check_subscription(2, 2000, 1000, 1, None) == 0
    refused("overpaid", rules.check_subscription, 2, 2001, 1000, 1, None)


def test_a_subscription_below_the_minimum_is_refused_and_the_minimum_itself_passes():
    refused("below_minimum", rules.check_subscription, 2, 2000, 1000, 3, None)
    assert rules.check_subscription(3, 3000, 1000, 3, None) == 0


def test_the_maximum_counts_what_the_subscriber_already_holds():
    assert rules.check_subscription(2, 500, 1000, 1, 5, held=3) == 1500
    error = refused("above_maximum", rules.check_subscription, 3, 3000, 1000, 1, 5, 3)
    assert error.figures == {"maximum": 5, "held": 3}


def test_a_further_subscription_counts_towards_the_minimum():
    assert rules.check_subscription(1, 1000, 1000, 3, None, held=2) == 0
    refused("below_minimum", rules.check_subscription, 0, 0, 1000, 1, None)


def test_an_offer_without_nominal_cannot_be_subscribed():
    refused("no_nominal", rules.check_subscription, 1, 0, 0, 1, None)


def test_a_call_takes_at_most_each_holders_uncalled_part():
    held = {1: Holding(4, 1000, 0, 3000), 2: Holding(2, 2000, 0, 0), 3: Holding(1, 250, 0, 100)}
    assert rules.call_amounts(held, 500) == {1: 2000, 3: 100}
    refused("invalid_call", rules.call_amounts, held, 0)


def test_a_payment_beyond_what_was_called_is_refused():
    rules.check_payment(Holding(4, 1000, 500, 2500), 500)
    refused("payment_beyond_call", rules.check_payment, Holding(4, 1000, 500, 2500), 501)
    refused("payment_beyond_call", rules.check_payment, Holding(4, 1000, 500, 2500), 0)


def test_withdrawal_below_a_quarter_of_the_highest_capital_is_refused():
    rules.check_withdrawal(10, 7, 1000, 12000)  # 3000 left, exactly a quarter of 12000
    error = refused("below_capital_floor", rules.check_withdrawal, 10, 8, 1000, 12000)
    assert error.figures == {"floor": 3000, "after": 2000}


def test_splitting_every_unit_gives_the_whole_holding():
    whole = Holding(3, 1000, 1, 1999)
    assert rules.split(whole, 3) == whole
    refused("more_than_held", rules.split, whole, 4)
    refused("more_than_held", rules.split, whole, 0)


def test_the_odd_cent_of_a_split_goes_to_the_uncalled_part_first():
    assert rules.split(Holding(2, 1, 0, 1), 1) == Holding(1, 0, 0, 1)
    assert rules.split(Holding(2, 1, 1, 0), 1) == Holding(1, 0, 1, 0)


@given(st.integers(1, 50), st.integers(1, 10_000), st.data())
def test_a_split_stays_within_each_part_and_sums_to_its_nominal(units, nominal, data):
    total = units * nominal
    paid = data.draw(st.integers(0, total))
    called = data.draw(st.integers(0, total - paid))
    holding = Holding(units, paid, called, total - paid - called)
    k = data.draw(st.integers(1, units))
    part = rules.split(holding, k)
    assert part.paid + part.called + part.uncalled == k * nominal
    assert 0 <= part.paid <= paid and 0 <= part.called <= called
    assert 0 <= part.uncalled <= holding.uncalled


def test_holdings_are_the_sums_of_events_and_empty_holders_drop_out():
    events = [E(member_id=1, units=4, paid=1000, called=0, uncalled=3000),
              E(member_id=2, units=2, paid=2000, called=0, uncalled=0),
              E(member_id=1, units=0, paid=0, called=1000, uncalled=-1000),
              E(member_id=2, units=-2, paid=-2000, called=0, uncalled=0)]
    assert rules.holdings(events) == {1: Holding(4, 1000, 1000, 2000)}


def test_the_highest_capital_is_the_peak_of_the_replayed_units():
    events = [E(member_id=1, units=4), E(member_id=2, units=6), E(member_id=2, units=-6),
              E(member_id=3, units=1)]
    assert rules.highest_capital(events, 1000) == 10_000
    assert rules.highest_capital([], 1000) == 0
