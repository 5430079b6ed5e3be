"""Trans-local clearing: one transfer through both networks' clearing accounts, within a limit."""

from decimal import Decimal

import pytest

import ledger
from market.auth.roles import Role
from market.currencies.clearing import convert, rate_of
from tests.integration.currency_factories import (
    balance,
    funded_account,
    make_currency,
    open_account,
)
from tests.integration.ledger_api_helpers import error_of, snapshot
from tests.integration.members_factories import bearer, make_member, make_network, make_user

AGREEMENT = {"currency_a": "EUSKO", "currency_b": "SOL", "rate": "1.25", "limit": "100.00"}


@pytest.fixture
def networks(db):
    """Two networks with their currencies, a member in each with accounts, and their people."""
    basque = make_network(db, "pays-basque", "Pays basque")
    toulouse = make_network(db, "toulouse", "Toulouse")
    payer = make_member(db, "Jardins de l'Adour", n=1, networks=[basque])
    payee = make_member(db, "Épicerie du Capitole", n=2, networks=[toulouse])
    make_currency(db, "EUSKO", "backed", network_id=basque.id)
    make_currency(db, "SOL", "backed", scale=3, network_id=toulouse.id, euro_parity="0.8")
    headers = {
        "payer": bearer(db, make_user(db, "payeur@example.org",
                                      [(Role.member_treasurer, payer.id)])),
        "payee": bearer(db, make_user(db, "paye@example.org",
                                      [(Role.member_treasurer, payee.id)])),
        "admin": bearer(db, make_user(db, "admin@example.org", [(Role.network_admin, None)])),
        "treasurer": bearer(db, make_user(db, "reseau@example.org",
                                          [(Role.network_treasurer, None)])),
    }
    return {"a": basque, "b": toulouse, "payer": payer, "payee": payee, "headers": headers,
            "from": funded_account(db, payer, "EUSKO", "500.00"),
            "to": open_account(db, payee, "SOL")}


def agree(client, networks, **change):
    body = {"network_a_id": networks["a"].id, "network_b_id": networks["b"].id,
            **AGREEMENT, **change}
    return client.post("/api/v1/clearing/agreements", json=body,
                       headers=networks["headers"]["admin"])


def pay(client, networks, amount="10.00", **change):
    body = {"from_account": networks["from"], "to_member": networks["payee"].id,
            "amount": amount, "description": "Panier de légumes", **change}
    return client.post("/api/v1/clearing/payments", json=body,
                       headers=networks["headers"]["payer"])


def test_the_rate_converts_exactly_and_rounds_down():
    assert convert(1_000, Decimal("1.25"), 2, 3) == 12_500
    assert convert(1, Decimal("0.333"), 2, 2) == 0
    assert convert(10_001, Decimal("1.25"), 2, 2) == 12_501
    assert rate_of("1.000000000001") == Decimal("1.000000000001")


def test_a_network_admin_agrees_a_rate_and_a_limit_between_two_networks(client, db, networks):
    response = agree(client, networks)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["rate"], body["limit_a"], body["limit_b"]) == ("1.25", "100.00", "125.000")
    conn = db.session.connection()
    assert ledger.get_account(conn, body["account_a_id"])["min_balance"] == "-100.00"
    assert ledger.get_account(conn, body["account_b_id"])["min_balance"] == "-125.000"
    listed = client.get("/api/v1/clearing/agreements", headers=networks["headers"]["treasurer"])
    assert [a["id"] for a in listed.get_json()["items"]] == [body["id"]]


@pytest.mark.parametrize("who", ["treasurer", "payer"])
def test_only_a_network_admin_agrees(client, db, networks, who):
    before = snapshot(db)
    response = client.post("/api/v1/clearing/agreements", headers=networks["headers"][who],
                           json={"network_a_id": networks["a"].id,
                                 "network_b_id": networks["b"].id, **AGREEMENT})
    assert response.status_code == 403
    assert snapshot(db) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"rate": "0"}, "rate"), ({"rate": 1.25}, "rate"), ({"rate": "1.2.3"}, "rate"),
    ({"currency_a": "SOL"}, "currency_a"), ({"limit": "-1.00"}, "limit"),
    ({"network_b_id": 999}, "network_b_id"),
])
def test_a_bad_agreement_is_a_clear_error_and_writes_nothing(client, db, networks, change,
                                                             field):
    before = snapshot(db)
    response = agree(client, networks, **change)
    assert response.status_code == 422, response.get_json()
    if field is not None:
        assert field in error_of(response)["details"]["fields"]
    assert snapshot(db) == before


def test_a_payment_between_networks_is_one_transfer_at_the_agreed_rate(client, db, networks):
    agreement = agree(client, networks).get_json()
    response = pay(client, networks, "10.01")
    assert response.status_code == 201, response.get_json()
    moved = response.get_json()
    assert moved["status"] == "posted"
    assert sorted((p["from"], p["to"], p["amount"]) for p in moved["postings"]) == sorted([
        (networks["from"], agreement["account_a_id"], "10.01"),
        (agreement["account_b_id"], networks["to"], "12.512")])
    assert balance(db, networks["from"]) == "489.99"
    assert balance(db, networks["to"]) == "12.512"
    assert balance(db, agreement["account_a_id"]) == "10.01"
    assert balance(db, agreement["account_b_id"]) == "-12.512"


def test_a_payment_back_takes_the_inverse_rate(client, db, networks):
    agreement = agree(client, networks).get_json()
    pay(client, networks, "10.00")
    back = client.post("/api/v1/clearing/payments", headers=networks["headers"]["payee"],
                       json={"from_account": networks["to"], "to_member": networks["payer"].id,
                             "amount": "2.500"})
    assert back.status_code == 201, back.get_json()
    assert balance(db, networks["from"]) == "492.00"
    assert balance(db, agreement["account_a_id"]) == "8.00"
    assert balance(db, agreement["account_b_id"]) == "-10.000"


def test_a_payment_beyond_the_clearing_limit_is_refused_and_writes_nothing(client, db,
                                                                           networks):
    agree(client, networks)
    assert pay(client, networks, "60.00").status_code == 201
    before = snapshot(db)
    response = pay(client, networks, "40.01")
    assert (response.status_code, error_of(response)["code"]) == (422, "limit_exceeded")
    assert snapshot(db) == before
    assert pay(client, networks, "40.00").status_code == 201


def test_a_payment_between_networks_without_agreement_is_refused(client, db, networks):
    before = snapshot(db)
    response = pay(client, networks)
    assert (response.status_code, error_of(response)["code"]) == (422, "no_agreement")
    assert snapshot(db) == before


def test_an_inactive_agreement_clears_nothing(client, db, networks):
    agree(client, networks, active=False)
    response = pay(client, networks)
    assert (response.status_code, error_of(response)["code"]) == (422, "no_agreement")


def test_a_payer_short_of_funds_is_told_so(client, db, networks):
    agree(client, networks, limit="1000.00")
    response = pay(client, networks, "500.01")
    assert (response.status_code, error_of(response)["code"]) == (422, "insufficient_funds")


@pytest.mark.parametrize(("change", "status"), [
    ({"to_member": 999}, 422), ({"amount": "0.00"}, 422), ({"amount": 10}, 422),
    ({"amount": "0.001"}, 422), ({"from_account": 999}, 404),
])
def test_a_bad_payment_is_a_clear_error_and_writes_nothing(client, db, networks, change,
                                                           status):
    agree(client, networks)
    before = snapshot(db)
    response = pay(client, networks, **change)
    assert response.status_code == status, response.get_json()
    error_of(response)
    assert snapshot(db) == before


def test_a_payee_without_an_account_in_its_currency_is_not_reachable(client, db, networks):
    agree(client, networks)
    stranger = make_member(db, "Sans compte", n=3, networks=[networks["b"]])
    response = pay(client, networks, to_member=stranger.id)
    assert response.status_code == 422
    assert "to_member" in error_of(response)["details"]["fields"]


def test_a_member_pays_only_from_its_own_accounts(client, db, networks):
    agree(client, networks)
    before = snapshot(db)
    response = client.post("/api/v1/clearing/payments", headers=networks["headers"]["payee"],
                           json={"from_account": networks["from"],
                                 "to_member": networks["payee"].id, "amount": "1.00"})
    assert response.status_code == 404
    assert snapshot(db) == before


def test_treasurers_see_what_each_network_owes_the_other(client, db, networks):
    agreement = agree(client, networks).get_json()
    pay(client, networks, "40.00")
    response = client.get("/api/v1/clearing/positions", headers=networks["headers"]["treasurer"])
    assert response.status_code == 200, response.get_json()
    [position] = response.get_json()["items"]
    a, b = position["sides"]
    assert position["agreement_id"] == agreement["id"]
    assert (a["balance"], a["balance_eur"], a["owes"], a["owed_to_network_id"]) == (
        "40.00", "40.00", "40.00", networks["b"].id)
    assert (b["balance"], b["balance_eur"], b["limit_used"], b["limit"], b["limit_used_bp"]) \
        == ("-50.000", "-40.00", "50.000", "125.000", 4000)
    assert b["owed_to_network_id"] is None
    assert client.get("/api/v1/clearing/positions",
                      headers=networks["headers"]["payer"]).status_code == 403


def test_a_payment_sent_twice_with_one_idempotency_key_moves_once(client, db, networks):
    agree(client, networks)
    body = {"from_account": networks["from"], "to_member": networks["payee"].id,
            "amount": "10.00"}
    headers = {**networks["headers"]["payer"], "Idempotency-Key": "pay-once"}
    first = client.post("/api/v1/clearing/payments", json=body, headers=headers)
    again = client.post("/api/v1/clearing/payments", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert balance(db, networks["from"]) == "490.00"
    other = client.post("/api/v1/clearing/payments", json={**body, "amount": "11.00"},
                        headers=headers)
    assert (other.status_code, error_of(other)["code"]) == (409, "idempotency_conflict")


def test_a_refusal_beyond_the_limit_says_so_in_its_own_words(client, networks):
    agree(client, networks)
    response = pay(client, networks, "100.01")
    assert "Limite de compensation" in error_of(response)["message"]
