"""Edges of the ledger's pure rules: exact boundaries, the order of checks, what each
refusal says, who may resolve a hold, and the canonical form that hashes are made of."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from ledger import idempotency
from ledger.core import errors, rules
from ledger.core.hashing import (
    GENESIS,
    canonical,
    event_hash,
    request_hash,
    sha256,
    transfer_hash,
)
from ledger.core.model import (
    MAX_ACCOUNT_SUM,
    MAX_POSTINGS,
    MAX_TRANSFER,
    AccountState,
    Delta,
    Posting,
    TransferSpec,
)
from ledger.core.money import MAX_MINOR, format_amount, parse_amount

EUR = {"EUR": 2}
WHEN = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def account(account_id, low=0, high=None, credits=0, debits=0, pending_debits=0,
            pending_credits=0, status="open", currency="EUR"):
    return AccountState(account_id, currency, status, low, high, debits, credits,
                        pending_debits, pending_credits)


def raised(call, *args, **kwargs) -> errors.LedgerError:
    with pytest.raises(errors.LedgerError) as caught:
        call(*args, **kwargs)
    return caught.value


# Money.

@pytest.mark.parametrize(("value", "scale", "signed", "minor"), [
    (MAX_MINOR - 1, 2, False, MAX_MINOR - 1), (1, 2, False, 1),
    ("999999999999999.99", 2, False, MAX_MINOR - 1), (-(MAX_MINOR - 1), 2, True, -MAX_MINOR + 1),
    (0, 2, True, 0), ("0.00", 2, True, 0), ("-0.00", 2, True, 0), ("-1.50", 2, True, -150),
    ("-0.05", 2, True, -5), ("12", 0, False, 12), ("1.000", 3, False, 1000),
    ("10.01", 2, False, 1001),
])
def test_amounts_up_to_the_bound_parse_exactly(value, scale, signed, minor):
    assert parse_amount(value, scale, signed=signed) == minor


@pytest.mark.parametrize(("value", "signed", "message", "details"), [
    (MAX_MINOR, False, "Amount out of range.", {"amount": str(MAX_MINOR)}),
    (-MAX_MINOR, True, "Amount out of range.", {"amount": str(-MAX_MINOR)}),
    ("1000000000000000.00", False, "Amount out of range.", {"amount": "1000000000000000.00"}),
    (0, False, "Amounts must be positive.", {"amount": "0"}),
    ("-1.00", False, "Amounts must be positive.", {"amount": "-1.00"}),
    (1.5, False, "Amounts are decimal strings or integer minor units, never floats.",
     {"amount": "1.5"}),
    (True, True, "Amounts are decimal strings or integer minor units, never floats.",
     {"amount": "True"}),
    (None, False, "Amounts are decimal strings or integer minor units, never floats.",
     {"amount": "None"}),
    ("1e3", False, "'1e3' is not a decimal amount.", {"amount": "1e3"}),
    ("1.5", False, "'1.5' must have exactly 2 decimal(s).", {"amount": "1.5", "scale": 2}),
    ("1.", False, "'1.' is not a decimal amount.", {"amount": "1."}),
    ("--1.00", True, "'--1.00' is not a decimal amount.", {"amount": "--1.00"}),
])
def test_each_bad_amount_says_what_is_wrong(value, signed, message, details):
    error = raised(parse_amount, value, 2, signed=signed)
    assert (type(error), error.message, error.details) == (errors.InvalidAmount, message,
                                                           details)


def test_a_scale_of_zero_takes_no_decimals():
    error = raised(parse_amount, "12.0", 0)
    assert error.details == {"amount": "12.0", "scale": 0}
    assert error.message == "'12.0' must have exactly 0 decimal(s)."


@pytest.mark.parametrize(("minor", "scale", "text"), [
    (0, 0, "0"), (-7, 0, "-7"), (5, 3, "0.005"), (123456, 2, "1234.56"), (-1, 2, "-0.01"),
    (100, 2, "1.00"), (-123456, 2, "-1234.56"), (10, 1, "1.0"), (MAX_MINOR - 1, 2,
                                                                "999999999999999.99"),
])
def test_minor_units_format_with_their_sign_and_padding(minor, scale, text):
    assert format_amount(minor, scale) == text
    assert parse_amount(text, scale, signed=True) == minor


# Postings: their shape, their accounts and currencies.

def test_a_transfer_has_at_most_the_maximum_number_of_postings():
    legs = [{"from": 1, "to": 2, "amount": "1.00"}] * MAX_POSTINGS
    assert rules.posting_account_ids(legs) == [1, 2] * MAX_POSTINGS
    assert rules.posting_account_ids(tuple(legs[:1])) == [1, 2]
    for wrong in ([], legs + legs[:1], {"from": 1}, None):
        error = raised(rules.posting_account_ids, wrong)
        assert error.message == "A transfer has 1 to 100 postings."
        assert error.details == {"fields": {"postings": ["Between 1 and 100 postings."]}}


def test_postings_name_their_accounts_by_integer_id():
    assert rules.posting_account_ids([Posting(3, 4, 1, "EUR")]) == [3, 4]
    error = raised(rules.posting_account_ids, [{"from": 1, "to": 2}, {"from": 1, "to": "2"}])
    assert error.message == "Accounts are named by integer id."
    assert error.details == {"fields": {"postings.1.to": ["Not an account id."]}}
    error = raised(rules.posting_account_ids, [{"from": False, "to": 2}])
    assert error.details == {"fields": {"postings.0.from": ["Not an account id."]}}
    error = raised(rules.posting_account_ids, [{"from": 1, "to": 2}, "1->2"])
    assert (error.message, error.details) == ("A posting is an object.",
                                              {"fields": {"postings.1": []}})
    error = raised(rules.posting_account_ids, [{"from": 1, "to": 2}, {"from": 5, "to": 5}])
    assert error.message == "A posting moves money between two different accounts."
    assert error.details == {"fields": {"postings.1": ["from and to are the same."]}}


def test_resolving_postings_names_the_unknown_account_and_its_side():
    known = {1: account(1), 2: account(2)}
    error = raised(rules.resolve_postings, [{"from": 1, "to": 2, "amount": "1.00"},
                                            {"from": 7, "to": 2, "amount": "1.00"}], known, EUR)
    assert type(error) is errors.UnknownAccount
    assert error.message == "Account 7 does not exist."
    assert error.details == {"fields": {"postings.1.from": ["Unknown account."]},
                             "account_id": 7, "index": 1}
    error = raised(rules.resolve_postings, [{"from": 1, "to": 8, "amount": "1.00"}], known, EUR)
    assert error.details["fields"] == {"postings.0.to": ["Unknown account."]}


def test_resolving_postings_checks_each_in_order():
    known = {1: account(1), 2: account(2), 3: account(3, currency="SOL")}
    scales = {"EUR": 2, "SOL": 0}
    resolved = rules.resolve_postings([Posting(1, 2, 5, "EUR"),
                                       {"from": 2, "to": 1, "amount": "0.07",
                                        "currency": "EUR"}], known, scales)
    assert resolved == (Posting(1, 2, 5, "EUR"), Posting(2, 1, 7, "EUR"))
    # A bad amount in the first posting is found before the foreign account of the second.
    error = raised(rules.resolve_postings, [{"from": 1, "to": 2, "amount": "1"},
                                            {"from": 1, "to": 3, "amount": "1.00"}],
                   known, scales)
    assert error.code == "invalid_amount"
    error = raised(rules.resolve_postings, [{"from": 1, "to": 2, "amount": "1.00"},
                                            {"from": 1, "to": 3, "amount": "1"}], known, scales)
    assert error.message == "Both accounts of a posting, and the posting, share one currency."
    assert currencies_of(error) == {"index": 1, "from_currency": "EUR", "to_currency": "SOL",
                                    "currency": None}
    error = raised(rules.resolve_postings, [{"from": 3, "to": 1, "amount": "1"}], known,
                   scales)
    assert error.details["from_currency"] == "SOL"
    error = raised(rules.resolve_postings, [{"from": 1, "to": 2, "amount": "1.00",
                                             "currency": "SOL"}], known, scales)
    assert currencies_of(error) == {"index": 0, "from_currency": "EUR", "to_currency": "EUR",
                                    "currency": "SOL"}


def currencies_of(error) -> dict:
    """What a currency mismatch says about the currencies (it may say more)."""
    return {k: error.details[k] for k in ("index", "from_currency", "to_currency", "currency")}


def test_a_posting_given_as_a_value_keeps_the_currency_it_names():
    known = {1: account(1), 2: account(2)}
    error = raised(rules.resolve_postings, [Posting(1, 2, 5, "SOL")], known,
                   {"EUR": 2, "SOL": 2})
    assert type(error) is errors.CurrencyMismatch and error.details["currency"] == "SOL"


def test_resolving_postings_bounds_their_gross_sum():
    known = {1: account(1, low=None), 2: account(2, low=None)}
    half = MAX_TRANSFER // 20
    legs = [{"from": 1, "to": 2, "amount": half}, {"from": 2, "to": 1, "amount": half}] * 10
    assert len(rules.resolve_postings(legs, known, {"EUR": 0})) == 20
    error = raised(rules.resolve_postings, [*legs, {"from": 1, "to": 2, "amount": 1}], known,
                   {"EUR": 0})
    assert error.message == ("The postings of one transfer add up to more than a transfer "
                             "may carry.")
    assert error.details == {"currency": "EUR", "limit": str(MAX_TRANSFER)}


def test_the_gross_bound_names_the_first_currency_past_it_in_code_order():
    over = MAX_TRANSFER // 2 + 1
    postings = [Posting(1, 2, over, "SOL"), Posting(2, 1, over, "SOL"),
                Posting(3, 4, over, "EUR"), Posting(4, 3, over, "EUR")]
    error = raised(rules.check_gross, postings, {"EUR": 2, "SOL": 0})
    assert error.details == {"currency": "EUR", "limit": "10000000000000000.00"}


# Limits, on the net effect, with their exact boundaries.

def test_a_debit_may_take_an_account_exactly_to_its_minimum():
    accounts = {1: account(1, low=-100, credits=50, pending_debits=20), 2: account(2, low=None)}
    rules.check_limits([Posting(1, 2, 130, "EUR")], accounts, EUR)
    error = raised(rules.check_limits, [Posting(1, 2, 131, "EUR")], accounts, EUR)
    assert type(error) is errors.InsufficientFunds
    assert error.message == "Account 1 lacks funds for this transfer."
    assert error.details == {"account_id": 1, "available": "1.30", "needed": "1.31"}


def test_a_credit_may_take_an_account_exactly_to_its_maximum():
    accounts = {1: account(1, low=None), 2: account(2, high=100, credits=30, debits=10,
                                                    pending_credits=20)}
    rules.check_limits([Posting(1, 2, 60, "EUR")], accounts, EUR)
    error = raised(rules.check_limits, [Posting(1, 2, 61, "EUR")], accounts, EUR)
    assert type(error) is errors.LimitExceeded
    assert error.message == "Account 2 would exceed its maximum balance."
    assert error.details == {"account_id": 2, "max_balance": "1.00", "incoming": "0.61"}


def test_limits_ignore_the_side_an_account_does_not_move_towards():
    # Pending credits never make room for a debit, pending debits never block a credit.
    full = account(1, low=0, high=100, credits=100, pending_credits=50, pending_debits=60)
    other = account(2, low=None)
    rules.check_limits([Posting(1, 2, 40, "EUR")], {1: full, 2: other}, EUR)
    error = raised(rules.check_limits, [Posting(1, 2, 41, "EUR")], {1: full, 2: other}, EUR)
    assert error.code == "insufficient_funds"
    empty = account(1, low=0, high=100, pending_debits=30)
    rules.check_limits([Posting(2, 1, 100, "EUR")], {1: empty, 2: other}, EUR)
    assert raised(rules.check_limits, [Posting(2, 1, 101, "EUR")], {1: empty, 2: other},
                  EUR).code == "limit_exceeded"


def test_an_account_whose_postings_cancel_out_is_not_checked_at_all():
    below = account(1, low=0, debits=5)  # already outside its limits, each of them
    above = account(2, high=5, credits=10)
    rules.check_limits([Posting(1, 2, 9, "EUR"), Posting(2, 1, 9, "EUR")],
                       {1: below, 2: above}, EUR)


def test_unbounded_accounts_take_anything():
    accounts = {1: account(1, low=None), 2: account(2, low=None)}
    rules.check_limits([Posting(1, 2, MAX_MINOR - 1, "EUR")], accounts, EUR)


def test_limits_report_the_first_account_by_id():
    accounts = {1: account(1, low=None, high=0), 2: account(2, low=0), 3: account(3, high=0)}
    error = raised(rules.check_limits, [Posting(2, 3, 1, "EUR"), Posting(2, 1, 1, "EUR")],
                   accounts, EUR)
    assert (error.code, error.details["account_id"]) == ("limit_exceeded", 1)
    error = raised(rules.check_limits, [Posting(2, 3, 1, "EUR")], accounts, EUR)
    assert (error.code, error.details["account_id"]) == ("insufficient_funds", 2)


def test_limits_format_amounts_with_each_accounts_scale():
    accounts = {1: account(1, low=0, currency="SOL"), 2: account(2, low=None, currency="SOL")}
    error = raised(rules.check_limits, [Posting(1, 2, 5, "SOL")], accounts, {"SOL": 0})
    assert error.details == {"account_id": 1, "available": "0", "needed": "5"}


# Stored sums and gross sums.

def test_the_sums_bound_names_the_first_account_by_id():
    full = {n: account(n, low=None, credits=MAX_ACCOUNT_SUM) for n in (1, 2)}
    error = raised(rules.check_sums, {2: Delta(posted_credits=1), 1: Delta(posted_credits=1)},
                   full)
    assert error.message == "Account 1 has moved as much as an account may carry."
    assert error.details == {"account_id": 1}
    rules.check_sums({2: Delta(posted_credits=0)}, full)


# Frozen and closed accounts.

def test_frozen_and_closed_accounts_are_named_lowest_id_first():
    states = {1: account(1), 2: account(2, status="frozen"), 3: account(3, status="closed")}
    error = raised(rules.check_movable, {3, 2, 1}, states)
    assert (type(error), error.message, error.details) == (
        errors.AccountFrozen, "Account 2 is frozen.", {"account_id": 2})
    error = raised(rules.check_movable, [3, 1], states)
    assert (type(error), error.message, error.details) == (
        errors.AccountClosed, "Account 3 is closed.", {"account_id": 3})
    rules.check_movable([1], states)


# Who may debit, who may resolve a hold.

def test_debits_are_refused_from_accounts_of_owners_not_allowed():
    owners = {1: "member:1", 2: "member:2", 3: None}
    rules.check_debit_owners([[{"from": 1, "to": 2}], [{"from": 9, "to": 1}]], owners,
                             {"member:1"})
    error = raised(rules.check_debit_owners, [[{"from": 1, "to": 2}],
                                              [{"from": 1, "to": 3}, {"from": 2, "to": 1}]],
                   owners, {"member:1"})
    assert (type(error), error.message) == (errors.Forbidden,
                                            "Account 2 is not one the caller may debit.")
    assert error.details == {"account_id": 2, "index": 1}
    assert raised(rules.check_debit_owners, [[{"from": 3, "to": 1}]], owners,
                  {"member:1"}).details == {"account_id": 3, "index": 0}


OWNERS = {1: "member:a", 2: "member:b", 3: "member:c", 4: None}
A_TO_B = [Posting(1, 2, 5, "EUR")]
SPLIT = [Posting(1, 2, 5, "EUR"), Posting(3, 2, 5, "EUR")]


def resolver(action, post_by="placer", placed_by="user:1", by="user:1", controls=(),
             postings=A_TO_B):
    rules.check_resolver(action, {"placed_by": placed_by, "post_by": post_by}, postings,
                         OWNERS, by, controls)


@pytest.mark.parametrize(("action", "post_by", "by", "controls", "allowed"), [
    # Unrestricted callers may do either, whoever they are.
    ("post", "debtor", None, None, True), ("void", "placer", "user:9", None, True),
    # The placer posts while controlling the debited account, and voids in any case.
    ("post", "placer", "user:1", ("member:a",), True),
    ("post", "placer", "user:1", ("member:b",), False),
    ("post", "placer", "user:2", ("member:a",), False),
    ("post", None, "user:1", ("member:a",), True), ("post", None, "user:2", ("member:a",), False),
    ("void", "placer", "user:1", (), True), ("void", "debtor", "user:1", (), True),
    ("void", "creditor", "user:2", ("member:a", "member:b"), False),
    # A debtor rule names whoever controls every debited account, a creditor rule every
    # credited one, whoever placed the hold.
    ("post", "debtor", "user:2", ("member:a",), True),
    ("post", "debtor", "user:1", ("member:b",), False),
    ("post", "creditor", None, ("member:b",), True),
    ("post", "creditor", "user:1", ("member:a",), False),
])
def test_who_may_resolve_a_hold(action, post_by, by, controls, allowed):
    if allowed:
        resolver(action, post_by, by=by, controls=controls)
    else:
        with pytest.raises(errors.Forbidden):
            resolver(action, post_by, by=by, controls=controls)


def test_a_rule_needs_every_account_of_its_side():
    resolver("post", "debtor", by=None, controls=("member:a", "member:c"), postings=SPLIT)
    with pytest.raises(errors.Forbidden):
        resolver("post", "debtor", by=None, controls=("member:a",), postings=SPLIT)
    with pytest.raises(errors.Forbidden):
        resolver("post", "placer", by="user:1", controls=("member:c",), postings=SPLIT)
    # An account without an owner is nobody's to control.
    with pytest.raises(errors.Forbidden):
        resolver("post", "debtor", by=None, controls=("member:a",),
                 postings=[Posting(4, 1, 5, "EUR")])


def test_a_hold_placed_by_nobody_is_resolved_by_no_restricted_placer():
    with pytest.raises(errors.Forbidden):
        resolver("void", placed_by=None, by=None, controls=("member:a",))
    resolver("void", placed_by=None, by=None, controls=None)


@pytest.mark.parametrize(("action", "post_by", "message", "rule"), [
    ("post", "placer", "Only the one who placed it may post this hold.", "placer"),
    ("void", "creditor", "Only the one who placed it may void this hold.", "placer"),
    ("post", "debtor", "Only the debtor may post this hold.", "debtor"),
    ("post", "creditor", "Only the creditor may post this hold.", "creditor"),
])
def test_a_refused_resolver_is_told_the_rule(action, post_by, message, rule):
    with pytest.raises(errors.Forbidden) as caught:
        resolver(action, post_by, by="user:2", controls=())
    assert (caught.value.message, caught.value.details) == (message, {"rule": rule})


# Deltas.

def test_a_hold_reserves_nothing_for_an_account_its_postings_cancel_out_on():
    postings = [Posting(1, 2, 5, "EUR"), Posting(2, 1, 5, "EUR"), Posting(2, 3, 4, "EUR")]
    held = rules.create_deltas(postings, pending=True)
    assert held == {2: Delta(pending_debits=4), 3: Delta(pending_credits=4)}
    assert rules.release_deltas(postings) == {2: Delta(pending_debits=-4),
                                              3: Delta(pending_credits=-4)}
    posted = rules.post_deltas(postings)
    assert posted == {1: Delta(posted_debits=5, posted_credits=5),
                      2: Delta(posted_debits=9, posted_credits=5, pending_debits=-4),
                      3: Delta(posted_credits=4, pending_credits=-4)}
    assert rules.create_deltas(postings, pending=False) == {
        1: Delta(posted_debits=5, posted_credits=5), 2: Delta(posted_debits=9, posted_credits=5),
        3: Delta(posted_credits=4)}
    assert rules.net_effects(postings) == {1: 0, 2: -4, 3: 4}


def test_applying_deltas_adds_each_of_the_four_sums():
    states = {1: account(1, credits=10, debits=1, pending_debits=2, pending_credits=3)}
    delta = Delta(1, 2, 3, 4)
    delta.add(Delta(10, 20, 30, 40))
    assert delta == Delta(11, 22, 33, 44)
    rules.apply_deltas({1: delta}, states)
    assert (states[1].posted_debits, states[1].posted_credits, states[1].pending_debits,
            states[1].pending_credits) == (12, 32, 35, 47)


def test_a_reversal_swaps_every_posting_in_order():
    postings = [Posting(1, 2, 3, "EUR"), Posting(4, 5, 6, "SOL")]
    assert rules.reversed_postings(postings) == (Posting(2, 1, 3, "EUR"),
                                                 Posting(5, 4, 6, "SOL"))


# Account states and transfer requests.

def test_available_is_the_balance_less_pending_debits_above_the_minimum():
    state = account(1, low=-50, credits=100, debits=30, pending_debits=15, pending_credits=99)
    assert (state.balance, state.available) == (70, 105)
    assert account(1, low=None, credits=5).available is None
    assert account(1, low=0).available == 0


def test_a_transfer_request_touches_the_accounts_of_its_postings():
    spec = TransferSpec((Posting(1, 2, 5, "EUR"), Posting(3, 1, 2, "EUR")))
    assert spec.account_ids() == {1, 2, 3}
    assert (spec.description, spec.reference, spec.pending, spec.timeout_seconds,
            spec.reverses) == ("", None, False, None, None)
    assert spec.metadata == {} and spec.metadata is not TransferSpec(()).metadata


# Errors.

@pytest.mark.parametrize(("cls", "code", "status"), [
    (errors.LedgerError, "ledger_error", 422), (errors.InvalidAmount, "invalid_amount", 422),
    (errors.CurrencyMismatch, "currency_mismatch", 422),
    (errors.InsufficientFunds, "insufficient_funds", 422),
    (errors.LimitExceeded, "limit_exceeded", 422),
    (errors.ValidationError, "validation_error", 422),
    (errors.UnknownAccount, "validation_error", 422),
    (errors.UnknownCurrency, "validation_error", 422),
    (errors.InvalidState, "invalid_state", 409), (errors.AccountClosed, "invalid_state", 409),
    (errors.AccountFrozen, "invalid_state", 409), (errors.Forbidden, "forbidden", 403),
    (errors.IdempotencyConflict, "idempotency_conflict", 409),
    (errors.Conflict, "conflict", 409), (errors.NotFound, "not_found", 404),
    (errors.AccountNotFound, "not_found", 404), (errors.TransferNotFound, "not_found", 404),
])
def test_every_error_has_its_code_and_http_status(cls, code, status):
    error = cls("Something.", account_id=3)
    assert (error.code, error.http_status, str(error)) == (code, status, "Something.")
    assert error.as_dict()["code"] == code and error.as_dict()["message"] == "Something."


def test_a_validation_error_always_carries_its_fields():
    assert errors.ValidationError("Bad.").details == {"fields": {}}
    assert errors.ValidationError("Bad.", {"x": ["y"]}, index=2).as_dict() == {
        "code": "validation_error", "message": "Bad.",
        "details": {"fields": {"x": ["y"]}, "index": 2}}


def test_a_stored_error_is_raised_again_as_its_class():
    for cls in (errors.InvalidAmount, errors.CurrencyMismatch, errors.InsufficientFunds,
                errors.LimitExceeded, errors.ValidationError, errors.InvalidState,
                errors.Forbidden, errors.IdempotencyConflict, errors.Conflict,
                errors.NotFound):
        first = cls("Told.", n=1)
        again = errors.rebuild_error(first.as_dict())
        assert type(again) is cls
        assert (again.message, again.details, again.args) == ("Told.", first.details,
                                                              ("Told.",))
    plain = errors.rebuild_error({"code": "bad_request", "message": "Not JSON."})
    assert (type(plain), plain.code, plain.details) == (errors.LedgerError, "bad_request", {})
    assert plain.http_status == 422


# The canonical form and the hashes, pinned against an independent computation.

def reference_sha256(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_canonical_form_is_sorted_compact_utf8_json_with_iso_datetimes():
    assert canonical({"b": [1, "é"], "a": WHEN}) == \
        '{"a":"2026-01-02T03:04:05.678901+00:00","b":[1,"é"]}'.encode()
    assert sha256({"x": 1}) == hashlib.sha256(b'{"x":1}').hexdigest()
    assert GENESIS == "0" * 64
    with pytest.raises(TypeError) as caught:
        canonical({"when": timedelta(1)})
    assert str(caught.value) == "timedelta is not canonical JSON"


def test_a_transfer_hash_is_the_hash_of_what_the_transfer_says():
    postings = [Posting(1, 2, 150, "EUR"), Posting(2, 3, 5, "EUR")]
    common = {"created_at": WHEN, "pending": True, "expires_at": WHEN + timedelta(seconds=5),
              "description": "Café", "reference": "r-1", "metadata": {"k": "v"},
              "reverses": 7}
    value = {"postings": [[1, 2, 150, "EUR"], [2, 3, 5, "EUR"]],
             "created_at": WHEN.isoformat(), "pending": True,
             "expires_at": (WHEN + timedelta(seconds=5)).isoformat(), "description": "Café",
             "reference": "r-1", "metadata": {"k": "v"}, "reverses": 7}
    assert transfer_hash(postings, **common) == reference_sha256(value)
    # Who placed it and who may post it count only when stated.
    assert transfer_hash(postings, **common, placed_by=None, post_by=None) \
        == reference_sha256(value)
    assert transfer_hash(postings, **common, placed_by="user:1") \
        == reference_sha256({**value, "placed_by": "user:1"})
    assert transfer_hash(postings, **common, post_by="debtor") \
        == reference_sha256({**value, "post_by": "debtor"})


def test_an_event_hash_chains_the_previous_hash_and_the_event():
    value = {"prev": GENESIS, "position": 1, "seq": 4, "kind": "posted", "transfer_id": 9,
             "payload": {"hash": "h", "status": "posted"}, "created_at": WHEN.isoformat()}
    assert event_hash(GENESIS, position=1, seq=4, kind="posted", transfer_id=9,
                      payload={"hash": "h", "status": "posted"}, created_at=WHEN) \
        == reference_sha256(value)


def test_a_request_hash_is_the_hash_of_the_operation_and_its_arguments():
    assert request_hash("post", {"transfer_id": 3}) == reference_sha256(
        {"operation": "post", "arguments": {"transfer_id": 3}})
    assert request_hash("post", {"transfer_id": 3}) != request_hash("void", {"transfer_id": 3})


# Idempotency keys: what fits the table, and what the fast path stores with a write.

@pytest.mark.parametrize(("scope", "key"), [("s", ""), ("s", "k" * 256), ("s", 5),
                                            ("s" * 129, "k"), (None, "k"), ("s", None)])
def test_a_key_that_does_not_fit_is_refused_before_the_database_is_touched(scope, key):
    def work(conn):
        raise AssertionError("never run")

    for call in (lambda idem: idempotency.run(None, "op", {}, idem, work),
                 lambda idem: idempotency.fast_key("op", {}, idem)):
        error = raised(call, idempotency.Idempotency(scope, key))
        assert (type(error), error.message) == (errors.ValidationError,
                                                "An idempotency key is 1 to 255 characters.")
        assert error.details == {"fields": {"Idempotency-Key": ["1 to 255 characters."]}}


@pytest.mark.parametrize(("scope", "key"), [("s", "k"), ("s", "k" * 255), ("s" * 128, "k"),
                                            ("", "k")])
def test_keys_up_to_their_bounds_fit(scope, key):
    arguments = {"postings": [], "n": 1}
    assert idempotency.fast_key("transfer", arguments, idempotency.Idempotency(scope, key)) \
        == {"s": scope, "k": key, "h": request_hash("transfer", arguments)}
    given = idempotency.Idempotency(scope, key, request_hash="from-http")
    assert idempotency.fast_key("transfer", arguments, given)["h"] == "from-http"


REFERENCE = (errors.Conflict, "This reference is already used by another transfer.")
REVERSED = (errors.InvalidState, "This transfer has already been reversed.")
CURRENCY = (errors.Conflict, "This currency code already exists.")


@pytest.mark.parametrize(("text", "meaning"), [
    ('duplicate key value violates unique constraint "pk_ledger_idempotency_keys"', "taken"),
    ("UNIQUE constraint failed: ledger_idempotency_keys.scope, ledger_idempotency_keys.key",
     "taken"),
    ('duplicate key value violates unique constraint "uq_ledger_transfers_reference"',
     REFERENCE),
    ("UNIQUE constraint failed: ledger_transfers.reference", REFERENCE),
    ('duplicate key value violates unique constraint "uq_ledger_transfers_reverses"', REVERSED),
    ("UNIQUE constraint failed: ledger_transfers.reverses", REVERSED),
    ('duplicate key value violates unique constraint "pk_ledger_currencies"', CURRENCY),
    ("UNIQUE constraint failed: ledger_currencies.code", CURRENCY),
    ('duplicate key value violates unique constraint "pk_ledger_currencies_x"', None),
    ("NOT NULL constraint failed: ledger_transfers.hash", None),
])
def test_unique_violations_on_either_database_are_told_apart(text, meaning):
    def call():
        raise IntegrityError("INSERT ...", {}, Exception(text))

    if meaning is None:
        with pytest.raises(IntegrityError):
            idempotency._mapped(call)
    elif meaning == "taken":
        with pytest.raises(idempotency._KeyTaken):
            idempotency._mapped(call)
    else:
        error = raised(idempotency._mapped, call)
        assert (type(error), error.message) == meaning
    assert idempotency._mapped(lambda: 42) == 42
