"""Amounts: people's spellings, the API's decimal strings and integer cents."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.members.fields import format_cents, parse_cents
from market.members.forms import normalise_amount
from market.web.errors import ValidationError
from market.web.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize("typed, sent", [
    ("120000", "120000.00"),
    ("120 000", "120000.00"),
    ("120\u202f000,5", "120000.50"),
    ("120000.25", "120000.25"),
    ("125,000", "125000.00"),
    ("125.000", "125000.00"),
    ("1,250,000.50", "1250000.50"),
    ("1.250.000,50", "1250000.50"),
    ("1 250 000,5", "1250000.50"),
    ("beaucoup", "beaucoup"),
])
def test_amounts_typed_by_people_become_the_apis_decimal_strings(typed, sent):
    assert normalise_amount(typed) == sent


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_cents_survive_a_round_trip_through_their_decimal_string(cents):
    assert parse_cents(format_cents(cents)) == cents


@pytest.mark.parametrize("value", ["12", "12.5", "12.505", "-1.00", "1e3", " 1.00", "1,00"])
def test_amounts_not_written_with_exactly_two_decimals_are_refused(value):
    with pytest.raises(ValueError):
        parse_cents(value)


@given(st.integers(min_value=1, max_value=2**31 - 1),
       st.text(st.characters(exclude_characters="\x00"), max_size=30))
def test_a_cursor_decodes_to_the_key_it_was_made_from(member_id, name):
    assert decode_cursor(encode_cursor([member_id]), False) == [member_id]
    assert decode_cursor(encode_cursor([name, member_id]), True) == [name, member_id]


@pytest.mark.parametrize("cursor, sorted_by_name", [
    ("garbage!", False), (encode_cursor(["x"]), False), (encode_cursor([1]), True),
    (encode_cursor([True]), False), (encode_cursor({"id": 1}), False),
])
def test_a_cursor_that_was_not_made_for_this_list_is_refused(cursor, sorted_by_name):
    with pytest.raises(ValidationError) as caught:
        decode_cursor(cursor, sorted_by_name)
    assert "cursor" in caught.value.fields
