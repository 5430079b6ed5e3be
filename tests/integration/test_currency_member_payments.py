"""A member's payment in a currency carries the payee's merchant fee and the payer's
donation inside its own transfer; only the caller's own accounts pay."""

import pytest

import ledger
from market.auth.roles import Role
from tests.integration.currency_factories import (
    balance,
    funded_account,
    make_currency,
    open_account,
)
from tests.integration.ledger_api_helpers import error_of, snapshot
from tests.integration.members_factories import bearer, make_member, make_user


@pytest.fixture
def world(db):
    """EUSKO with a 2 % merchant fee; a payer with 1,000.00, a shop, an association."""
    policy = make_currency(db, "EUSKO", kind="mutual_credit", merchant_fee_bp=200)
    payer, shop, association = (make_member(db, name, n=n) for n, name in
                                enumerate(("Payeur", "Boutique", "Association"), 1))
    accounts = {"payer": funded_account(db, payer, "EUSKO", "1000.00"),
                "shop": open_account(db, shop, "EUSKO"),
                "association": open_account(db, association, "EUSKO")}
    headers = {"payer": bearer(db, make_user(db, "payer@example.org",
                                             [(Role.member_treasurer, payer.id)])),
               "payer_admin": bearer(db, make_user(db, "admin@example.org",
                                                   [(Role.member_admin, payer.id)])),
               "shop": bearer(db, make_user(db, "shop@example.org",
                                            [(Role.member_admin, shop.id)]))}
    return policy, {"payer": payer, "shop": shop, "association": association}, accounts, \
        headers


def pay(client, accounts, headers, amount="100.00", who="payer", source="payer"):
    return client.post("/api/v1/currency-payments", headers=headers[who], json={
        "from_account": accounts[source], "to_account": accounts["shop"], "amount": amount,
        "description": "Légumes"})


def test_the_merchant_fee_and_the_donation_are_postings_of_the_payment_itself(client, db,
                                                                              world):
    policy, members, accounts, headers = world
    rule = client.put(f"/api/v1/members/{members['payer'].id}/donation-rules/EUSKO",
                      json={"association_member_id": members["association"].id,
                            "rate_bp": 150}, headers=headers["payer_admin"])
    assert rule.status_code == 200, rule.get_json()
    response = pay(client, accounts, headers)
    assert response.status_code == 201, response.get_json()
    moved = response.get_json()
    assert sorted((p["from"], p["to"], p["amount"]) for p in moved["postings"]) == sorted([
        (accounts["payer"], accounts["shop"], "100.00"),
        (accounts["shop"], policy.fund_account_id, "2.00"),
        (accounts["payer"], accounts["association"], "1.50")])
    transfer = ledger.get_transfer(db.session.connection(), moved["id"])
    assert len(transfer["postings"]) == 3
    assert (balance(db, accounts["payer"]), balance(db, accounts["shop"]),
            balance(db, accounts["association"]), balance(db, policy.fund_account_id)) == (
        "898.50", "98.00", "1.50", "2.00")


def test_shares_are_rounded_down_and_no_zero_posting_is_made(client, db, world):
    _policy, _members, accounts, headers = world
    response = pay(client, accounts, headers, amount="0.49")
    assert response.status_code == 201, response.get_json()
    assert [p["amount"] for p in response.get_json()["postings"]] == ["0.49"]


def test_without_a_fee_or_a_rule_the_payment_is_one_posting(client, db):
    payer, shop = make_member(db, "A", n=1), make_member(db, "B", n=2)
    make_currency(db, "SOL", kind="mutual_credit")
    accounts = {"payer": funded_account(db, payer, "SOL", "10.00"),
                "shop": open_account(db, shop, "SOL")}
    headers = {"payer": bearer(db, make_user(db, "p@example.org",
                                             [(Role.member_admin, payer.id)]))}
    response = pay(client, accounts, headers, amount="3.00")
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["postings"]) == 1


def test_another_members_account_answers_as_a_missing_one(client, db, world):
    _policy, _members, accounts, headers = world
    before = snapshot(db)
    response = pay(client, accounts, headers, who="shop")
    assert response.status_code == 404
    assert snapshot(db) == before


@pytest.mark.parametrize("amount", ["100", "-1.00", "0.00", 100])
def test_a_bad_amount_is_a_clear_422_and_nothing_moves(client, db, world, amount):
    _policy, _members, accounts, headers = world
    before = snapshot(db)
    response = pay(client, accounts, headers, amount=amount)
    assert response.status_code == 422, response.get_json()
    assert snapshot(db) == before


def test_a_payment_beyond_the_balance_is_refused_whole(client, db, world):
    _policy, _members, accounts, headers = world
    before = snapshot(db)
    response = pay(client, accounts, headers, amount="5000.00")
    assert response.status_code == 422
    assert error_of(response)["code"] == "insufficient_funds"
    assert snapshot(db) == before


def test_a_donation_rule_needs_an_association_with_an_account_in_the_currency(client, db,
                                                                              world):
    _policy, members, _accounts, headers = world
    lonely = make_member(db, "Sans compte", n=9)
    response = client.put(f"/api/v1/members/{members['payer'].id}/donation-rules/EUSKO",
                          json={"association_member_id": lonely.id, "rate_bp": 100},
                          headers=headers["payer_admin"])
    assert response.status_code == 422
    assert "association_member_id" in error_of(response)["details"]["fields"]


def test_only_the_members_admin_sets_its_donation_rule(client, db, world):
    _policy, members, _accounts, headers = world
    response = client.put(f"/api/v1/members/{members['payer'].id}/donation-rules/EUSKO",
                          json={"association_member_id": members["association"].id,
                                "rate_bp": 100}, headers=headers["shop"])
    assert response.status_code == 403


def test_the_same_idempotency_key_pays_once_and_replays_the_payment(client, db, world):
    _policy, _members, accounts, headers = world
    keyed = {**headers, "payer": {**headers["payer"], "Idempotency-Key": "pay-1"}}
    first = pay(client, accounts, keyed)
    again = pay(client, accounts, keyed)
    assert first.status_code == again.status_code == 201, again.get_json()
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert balance(db, accounts["payer"]) == "900.00"


def test_a_keyed_refusal_before_the_ledger_is_stored_and_replayed(client, db, world):
    _policy, _members, accounts, headers = world
    keyed = {**headers, "shop": {**headers["shop"], "Idempotency-Key": "not-mine"}}
    before = snapshot(db)
    first = pay(client, accounts, keyed, who="shop")
    again = pay(client, accounts, keyed, who="shop")
    assert first.status_code == again.status_code == 404, first.get_json()
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert snapshot(db) == before
