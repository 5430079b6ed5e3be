"""SIRET and SIREN cleaning: valid numbers come back as digits, others get a clear message."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from market.members.identifiers import InvalidIdentifier, clean_siren, clean_siret, siren_of


def make_siret(prefix: str) -> str:
    """Return a valid SIRET whose first eight digits are ``prefix``."""
    siren = prefix + luhn.calc_check_digit(prefix)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def test_a_valid_siret_is_returned_as_fourteen_digits_without_spaces():
    siret = make_siret("73282932")
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    assert clean_siret(spaced) == siret


def test_a_siret_with_a_wrong_check_digit_is_refused_with_a_clear_message():
    siret = make_siret("73282932")
    wrong = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier, match="clé de contrôle invalide"):
        clean_siret(wrong)


@pytest.mark.parametrize("value", ["1234", "123456789012345", "ABCDEFGHIJKLMN", ""])
def test_a_siret_of_the_wrong_length_or_with_letters_is_refused(value):
    with pytest.raises(InvalidIdentifier, match="14 chiffres"):
        clean_siret(value)


def test_the_siren_is_the_first_nine_digits_of_the_siret():
    siret = make_siret("73282932")
    assert siren_of(siret) == siret[:9]
    assert clean_siren(siren_of(siret)) == siret[:9]


def test_a_siren_with_a_wrong_key_is_refused():
    with pytest.raises(InvalidIdentifier, match="clé de contrôle"):
        clean_siren("732829321")


@given(st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_every_luhn_valid_siret_is_accepted_and_keeps_its_siren(prefix):
    siret = make_siret(prefix)
    assert clean_siret(siret) == siret
    assert siren_of(siret) == siret[:9]


@given(st.from_regex(r"[0-9]{8}", fullmatch=True), st.integers(min_value=1, max_value=9))
def test_changing_the_last_digit_of_a_valid_siret_always_breaks_it(prefix, shift):
    siret = make_siret(prefix)
    broken = siret[:-1] + str((int(siret[-1]) + shift) % 10)
    with pytest.raises(InvalidIdentifier):
        clean_siret(broken)
