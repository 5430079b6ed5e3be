"""The ledger's pure core: money, rules of double entry, hashes and error codes."""

import ast
import pathlib
import sys
from datetime import UTC, datetime

import pytest

from ledger.core import errors, rules
from ledger.core.hashing import canonical, transfer_hash
from ledger.core.model import MAX_ACCOUNT_SUM, MAX_TRANSFER, AccountState, Delta, Posting
from ledger.core.money import format_amount, parse_amount

EUR = {"EUR": 2}


def account(account_id, low=0, high=None, credits=0, debits=0, pending_debits=0,
            pending_credits=0, status="open", currency="EUR"):
    return AccountState(account_id, currency, status, low, high, debits, credits,
                        pending_debits, pending_credits)


@pytest.mark.parametrize(("text", "scale", "minor"), [
    ("12.50", 2, 1250), ("0.01", 2, 1), ("7", 0, 7), ("1.000", 3, 1000), (1250, 2, 1250),
])
def test_amounts_parse_to_minor_units(text, scale, minor):
    assert parse_amount(text, scale) == minor


@pytest.mark.parametrize("bad", ["12.5", "12.500", "0.00", "-1.00", "1e3", " 1.00", "1,00",
                                 "abc", "", 12.5, True, None, 0, -3, "01.00", "١.٠٠"])
def test_malformed_zero_negative_or_float_amounts_are_invalid(bad):
    with pytest.raises(errors.InvalidAmount) as caught:
        parse_amount(bad, 2)
    assert caught.value.code == "invalid_amount"


def test_signed_amounts_are_allowed_for_limits():
    assert parse_amount("-500.00", 2, signed=True) == -50000


@pytest.mark.parametrize(("minor", "scale", "text"), [
    (1250, 2, "12.50"), (-5, 2, "-0.05"), (0, 2, "0.00"), (7, 0, "7"), (None, 2, None)])
def test_minor_units_format_with_exactly_the_scale(minor, scale, text):
    assert format_amount(minor, scale) == text


def test_a_debit_beyond_the_credit_line_is_insufficient_funds():
    accounts = {1: account(1, low=-5000), 2: account(2)}
    with pytest.raises(errors.InsufficientFunds) as caught:
        rules.check_limits([Posting(1, 2, 5001, "EUR")], accounts, EUR)
    assert caught.value.details["available"] == "50.00"
    rules.check_limits([Posting(1, 2, 5000, "EUR")], accounts, EUR)


def test_pending_debits_reduce_what_can_be_spent():
    accounts = {1: account(1, credits=100, pending_debits=60), 2: account(2)}
    with pytest.raises(errors.InsufficientFunds):
        rules.check_limits([Posting(1, 2, 41, "EUR")], accounts, EUR)


def test_a_credit_beyond_max_balance_is_limit_exceeded():
    accounts = {1: account(1, low=None), 2: account(2, high=100, pending_credits=50)}
    with pytest.raises(errors.LimitExceeded):
        rules.check_limits([Posting(1, 2, 51, "EUR")], accounts, EUR)


def test_limits_apply_to_the_net_effect_of_the_whole_transfer():
    accounts = {1: account(1, credits=10), 2: account(2, credits=10)}
    # Each posting alone would overdraw its source; together they net to a swap of 5.
    swap = [Posting(1, 2, 15, "EUR"), Posting(2, 1, 10, "EUR")]
    rules.check_limits(swap, accounts, EUR)
    assert rules.net_effects(swap) == {1: -5, 2: 5}


def test_postings_between_two_currencies_are_refused():
    accounts = {1: account(1), 2: account(2, currency="SOL")}
    with pytest.raises(errors.CurrencyMismatch):
        rules.resolve_postings([{"from": 1, "to": 2, "amount": "1.00"}], accounts,
                               {"EUR": 2, "SOL": 2})


def test_a_posting_whose_currency_differs_from_its_accounts_is_refused():
    accounts = {1: account(1), 2: account(2)}
    with pytest.raises(errors.CurrencyMismatch):
        rules.resolve_postings([{"from": 1, "to": 2, "amount": "1.00", "currency": "SOL"}],
                               accounts, EUR)


def test_an_unknown_account_is_a_validation_error():
    with pytest.raises(errors.UnknownAccount) as caught:
        rules.resolve_postings([{"from": 1, "to": 9, "amount": "1.00"}], {1: account(1)}, EUR)
    assert caught.value.code == "validation_error"
    assert "postings.0.to" in caught.value.details["fields"]


@pytest.mark.parametrize("postings", [[], [{"from": 1, "to": 1, "amount": "1.00"}],
                                      [{"from": "1", "to": 2, "amount": "1.00"}],
                                      [{"from": True, "to": 2, "amount": "1.00"}], "x"])
def test_malformed_postings_are_validation_errors(postings):
    with pytest.raises(errors.ValidationError):
        rules.posting_account_ids(postings)


@pytest.mark.parametrize(("status", "error"), [("closed", errors.AccountClosed),
                                               ("frozen", errors.AccountFrozen)])
def test_money_does_not_move_through_frozen_or_closed_accounts(status, error):
    with pytest.raises(error) as caught:
        rules.check_movable([1, 2], {1: account(1), 2: account(2, status=status)})
    assert caught.value.code == "invalid_state"


def test_a_hold_reserves_the_net_effect_and_posting_it_moves_gross_amounts():
    items = [Posting(1, 2, 15, "EUR"), Posting(2, 1, 10, "EUR")]
    held = rules.create_deltas(items, pending=True)
    assert (held[1].pending_debits, held[2].pending_credits) == (5, 5)
    posted = rules.post_deltas(items)
    assert (posted[1].posted_debits, posted[1].posted_credits, posted[1].pending_debits) \
        == (15, 10, -5)
    released = rules.release_deltas(items)
    assert (released[1].pending_debits, released[2].pending_credits) == (-5, -5)


def test_postings_of_one_currency_add_up_to_at_most_the_transfer_bound():
    half = MAX_TRANSFER // 2
    exact = [Posting(1, 2, half, "EUR"), Posting(2, 1, MAX_TRANSFER - half, "EUR")]
    rules.check_gross(exact, EUR)
    with pytest.raises(errors.InvalidAmount):
        rules.check_gross([*exact, Posting(1, 2, 1, "EUR")], EUR)
    # Each currency is bounded on its own.
    rules.check_gross([*exact, Posting(3, 4, 1, "SOL")], {**EUR, "SOL": 2})


@pytest.mark.parametrize("figure", ["posted_debits", "posted_credits", "pending_debits",
                                    "pending_credits"])
def test_no_stored_sum_of_an_account_may_pass_its_bound(figure):
    full = account(1, low=None, **{{"posted_debits": "debits", "posted_credits": "credits"}
                                   .get(figure, figure): MAX_ACCOUNT_SUM - 1})
    rules.check_sums({1: Delta(**{figure: 1})}, {1: full})
    with pytest.raises(errors.InvalidAmount) as caught:
        rules.check_sums({1: Delta(**{figure: 2})}, {1: full})
    assert caught.value.details == {"account_id": 1}
    rules.check_sums({1: Delta(**{figure: -5})}, {1: full})


def test_a_reversal_swaps_every_posting():
    assert rules.reversed_postings([Posting(1, 2, 3, "EUR")]) == (Posting(2, 1, 3, "EUR"),)


def test_canonical_form_ignores_key_order():
    assert canonical({"b": 1, "a": [1, "é"]}) == canonical({"a": [1, "é"], "b": 1})


def test_a_transfer_hash_changes_with_any_amount():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    common = {"created_at": when, "pending": False, "expires_at": None, "description": "",
              "reference": None, "metadata": {}, "reverses": None}
    one = transfer_hash([Posting(1, 2, 100, "EUR")], **common)
    assert one == transfer_hash([Posting(1, 2, 100, "EUR")], **common)
    assert one != transfer_hash([Posting(1, 2, 101, "EUR")], **common)


@pytest.mark.parametrize(("cls", "code"), [
    (errors.InsufficientFunds, "insufficient_funds"), (errors.LimitExceeded, "limit_exceeded"),
    (errors.CurrencyMismatch, "currency_mismatch"), (errors.InvalidAmount, "invalid_amount"),
    (errors.InvalidState, "invalid_state"), (errors.IdempotencyConflict, "idempotency_conflict"),
    (errors.UnknownAccount, "validation_error"), (errors.TransferNotFound, "not_found")])
def test_every_error_has_its_stable_code_and_survives_a_round_trip(cls, code):
    error = cls("message", account_id=3)
    assert error.code == code
    again = errors.rebuild_error(error.as_dict())
    assert (again.code, again.message, again.details["account_id"]) == (code, "message", 3)


def test_the_core_imports_only_the_standard_library():
    core = pathlib.Path(rules.__file__).parent
    for path in core.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                top = name.split(".")[0]
                assert top == "ledger" and name.startswith("ledger.core") \
                    or top in sys.stdlib_module_names, f"{path.name} imports {name}"
