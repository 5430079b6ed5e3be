"""The postings of a payment with its merchant fee and donation, rounded down, no zero."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.currencies.payment_rules import Share, payment_postings, share_of


def test_a_plain_payment_is_one_posting():
    assert payment_postings(1, 2, 1_000) == [{"from": 1, "to": 2, "amount": 1_000}]


def test_the_payee_pays_the_merchant_fee_and_the_payer_its_donation():
    assert payment_postings(1, 2, 10_000, fee=Share(8, 200), donation=Share(9, 100)) == [
        {"from": 1, "to": 2, "amount": 10_000},
        {"from": 2, "to": 8, "amount": 200},
        {"from": 1, "to": 9, "amount": 100},
    ]


def test_shares_are_rounded_down_and_a_zero_share_gives_no_posting():
    assert share_of(199, 50) == 0
    assert payment_postings(1, 2, 199, fee=Share(8, 50), donation=Share(9, 100)) == [
        {"from": 1, "to": 2, "amount": 199},
        {"from": 1, "to": 9, "amount": 1},
    ]


def test_a_zero_rate_gives_no_posting():
    assert payment_postings(1, 2, 5_000, fee=Share(8, 0), donation=None) == [
        {"from": 1, "to": 2, "amount": 5_000}]


def test_a_payment_is_a_positive_amount():
    with pytest.raises(ValueError):
        payment_postings(1, 2, 0)


@given(st.integers(1, 10**15), st.integers(0, 10_000), st.integers(0, 10_000))
def test_shares_never_exceed_their_rate_of_the_amount_and_no_posting_is_zero(amount, fee, gift):
    postings = payment_postings(1, 2, amount, fee=Share(8, fee), donation=Share(9, gift))
    assert all(p["amount"] > 0 for p in postings)
    by = {p["to"]: p["amount"] for p in postings}
    assert by.get(8, 0) * 10_000 <= amount * fee < (by.get(8, 0) + 1) * 10_000
    assert by.get(9, 0) * 10_000 <= amount * gift < (by.get(9, 0) + 1) * 10_000
