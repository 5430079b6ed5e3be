"""Names for accounting tools: commodities and account paths are always valid and unique."""

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ledger.exports import names
from ledger.exports.model import Account, Currency

#: beancount v3's account name rule, restricted to ASCII as our names are.
BEANCOUNT_ACCOUNT = re.compile(
    r"(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+")
codes = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
                min_size=1, max_size=16)


def currency(code: str, kind: str = "fiat") -> Currency:
    return Currency(code, "Test", 2, kind, date(2024, 1, 1))


def account(account_id: int, name: str, owner: str | None = None, code: str = "EUR"):
    return Account(account_id, code, owner, name, "open", date(2024, 1, 1))


@given(codes)
def test_every_currency_code_maps_to_a_valid_beancount_commodity(code):
    assert names.COMMODITY.fullmatch(names.commodity(code))


@given(codes, codes)
def test_two_different_invalid_codes_never_share_a_commodity(first, second):
    if first != second:
        assert names.commodity(first) != names.commodity(second)


def test_valid_codes_are_kept_and_others_get_a_readable_name_with_a_digest():
    assert [names.commodity(c) for c in ("EUR", "MCB", "SOL-PARIS", "B2B")] == [
        "EUR", "MCB", "SOL-PARIS", "B2B"]
    mapped = names.commodity("sol paris")
    assert mapped.startswith("SOL-PARIS-") and len(mapped) == len("SOL-PARIS-") + 6
    assert names.commodity("1kg").startswith("C1KG-")
    assert names.commodity("€").startswith("C-")


@given(st.integers(1, 10**12), st.text(max_size=200), st.none() | st.text(max_size=64),
       codes, st.sampled_from(["fiat", "mutual_credit", "backed", "share"]))
def test_every_account_gets_a_valid_beancount_name(account_id, name, owner, code, kind):
    path = names.account_name(account(account_id, name, owner, code), currency(code, kind))
    assert BEANCOUNT_ACCOUNT.fullmatch(path), path
    assert re.search(rf":A{account_id}-[^:]*$", path)


def test_accounts_go_under_assets_for_members_and_real_money_and_equity_for_issuers():
    member = account(7, "Compte courant", "member:12")
    assert names.account_name(member, currency("EUR")) == (
        "Assets:Members:Member-12:A7-EUR-Compte-courant")
    system = account(1, "Émission", None, "MCB")
    assert names.account_name(system, currency("MCB", "mutual_credit")) == (
        "Equity:System:A1-MCB-Emission")
    assert names.account_name(account(2, "Réserve €"), currency("EUR")) == (
        "Assets:System:A2-EUR-Reserve")


def test_texts_are_put_on_one_line():
    assert names.one_line("a\nb\t c\r\n\x00d ") == "a b c d"
    assert names.one_line(None) == ""
