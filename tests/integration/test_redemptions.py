"""Redemption of backed units for euros: a hold, a treasurer's decision, and the reserve."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

import ledger
from market.auth.roles import Role
from market.currencies import governance
from market.payments.redemption_models import Redemption
from market.payments.redemptions import euro_cents, fee_of, reserve_problems
from tests.integration.currency_factories import (
    balance,
    funded_account,
    make_currency,
    open_account,
)
from tests.integration.ledger_api_helpers import error_of, snapshot
from tests.integration.members_factories import bearer, make_member, make_network, make_user


@pytest.fixture
def eusko(db):
    """A network's backed currency (3 % redemption fee), a member holding 100.00 of it."""
    network = make_network(db, "pays-basque", "Pays basque")
    member = make_member(db, networks=[network])
    other = make_member(db, "Txalaparta", n=2, networks=[network])
    policy = make_currency(db, "EUSKO", "backed", network_id=network.id, redemption_fee_bp=300)
    account = funded_account(db, member, "EUSKO", "100.00")
    headers = {
        "member": bearer(db, make_user(db, "tresorier@example.org",
                                       [(Role.member_treasurer, member.id)])),
        "other": bearer(db, make_user(db, "autre@example.org",
                                      [(Role.member_treasurer, other.id)])),
        "network": bearer(db, make_user(db, "reseau@example.org",
                                        [(Role.network_treasurer, None)])),
    }
    return {"network": network, "member": member, "policy": policy, "account": account,
            "headers": headers, "code": policy.code, "reserve": policy.reserve_account_id,
            "fees": policy.fee_account_id, "issuance": policy.issuance_account_id}


def ask(client, eusko, amount="50.00", who="member"):
    return client.post("/api/v1/redemptions", json={"account": eusko["account"],
                                                   "amount": amount},
                       headers=eusko["headers"][who])


def test_the_fee_is_rounded_down_and_euros_follow_the_parity():
    assert fee_of(5_000, 300) == 150
    assert fee_of(33, 300) == 0
    assert euro_cents(4_850, 2, Decimal("1")) == 4_850
    assert euro_cents(1_000, 3, Decimal("0.5")) == 50
    assert euro_cents(3, 2, Decimal("0.333333")) == 0


def test_asking_holds_the_units_and_moves_nothing_else(client, db, eusko):
    response = ask(client, eusko)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["amount"], body["fee"], body["euros"], body["status"]) == (
        "50.00", "1.50", "48.50", "requested")
    held = ledger.get_transfer(db.session.connection(), body["hold_transfer_id"])
    assert held["status"] == "pending"
    assert sorted((p["to"], p["amount"]) for p in held["postings"]) == sorted(
        [(eusko["issuance"], "48.50"), (eusko["fees"], "1.50")])
    account = ledger.get_account(db.session.connection(), eusko["account"])
    assert (account["balance"], account["available"]) == ("100.00", "50.00")
    assert balance(db, eusko["reserve"]) == "100.00"
    assert balance(db, eusko["fees"]) == "0.00"


def test_an_approved_redemption_destroys_the_units_takes_the_fee_and_pays_the_euros(
        client, db, eusko):
    asked = ask(client, eusko).get_json()
    response = client.post(f"/api/v1/redemptions/{asked['id']}/approve",
                           json={"payout_reference": "VIR-0042"},
                           headers=eusko["headers"]["network"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["payout_reference"]) == ("approved", "VIR-0042")
    assert balance(db, eusko["account"]) == "50.00"
    assert balance(db, eusko["fees"]) == "1.50"
    assert balance(db, eusko["issuance"]) == "-51.50"
    assert balance(db, eusko["reserve"]) == "51.50"
    conn = db.session.connection()
    paid = ledger.get_transfer(conn, body["payout_transfer_id"])
    assert paid["metadata"]["payout_reference"] == "VIR-0042"
    [posting] = paid["postings"]
    payouts = governance.network_account(db.session, eusko["network"].id, "EUR", "payouts")
    assert (posting["from"], posting["to"], posting["amount"]) == (
        eusko["reserve"], payouts, "48.50")
    assert ledger.get_transfer(conn, body["hold_transfer_id"])["status"] == "posted"
    assert reserve_problems(conn) == []


def test_the_euros_go_to_the_members_euro_account_when_it_has_one(client, db, eusko):
    governance.euro(db.session)
    db.session.commit()
    own = open_account(db, eusko["member"], "EUR")
    asked = ask(client, eusko, "10.00").get_json()
    client.post(f"/api/v1/redemptions/{asked['id']}/approve",
                json={"payout_reference": "VIR-7"}, headers=eusko["headers"]["network"])
    assert balance(db, own) == "9.70"


def test_a_refused_redemption_releases_the_units(client, db, eusko):
    asked = ask(client, eusko).get_json()
    response = client.post(f"/api/v1/redemptions/{asked['id']}/refuse",
                           json={"reason": "Pièce manquante"},
                           headers=eusko["headers"]["network"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "refused"
    account = ledger.get_account(db.session.connection(), eusko["account"])
    assert (account["balance"], account["available"]) == ("100.00", "100.00")
    assert ledger.get_transfer(db.session.connection(),
                               asked["hold_transfer_id"])["status"] == "voided"
    again = client.post(f"/api/v1/redemptions/{asked['id']}/approve",
                        json={"payout_reference": "VIR-1"}, headers=eusko["headers"]["network"])
    assert (again.status_code, error_of(again)["code"]) == (409, "invalid_state")


def test_a_redemption_larger_than_the_balance_is_refused_and_writes_nothing(client, db, eusko):
    before = snapshot(db)
    response = ask(client, eusko, "100.01")
    assert (response.status_code, error_of(response)["code"]) == (422, "insufficient_funds")
    assert snapshot(db) == before
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


@pytest.mark.parametrize(("amount", "code"), [
    ("0.00", "invalid_amount"), ("-1.00", "invalid_amount"), ("1.5", "invalid_amount"),
    (12.5, "validation_error"), ("NaN", "invalid_amount"),
])
def test_a_bad_amount_is_a_clear_error_and_writes_nothing(client, db, eusko, amount, code):
    before = snapshot(db)
    response = ask(client, eusko, amount)
    assert (response.status_code, error_of(response)["code"]) == (422, code)
    assert snapshot(db) == before


def test_a_member_cannot_redeem_from_another_members_account(client, db, eusko):
    before = snapshot(db)
    response = ask(client, eusko, who="other")
    assert response.status_code == 404
    assert snapshot(db) == before


def test_only_a_network_treasurer_approves_and_members_see_only_their_own(client, eusko):
    asked = ask(client, eusko).get_json()
    refused = client.post(f"/api/v1/redemptions/{asked['id']}/approve",
                          json={"payout_reference": "VIR-1"}, headers=eusko["headers"]["member"])
    assert refused.status_code == 403
    assert client.get(f"/api/v1/redemptions/{asked['id']}",
                      headers=eusko["headers"]["other"]).status_code == 404
    mine = client.get("/api/v1/redemptions", headers=eusko["headers"]["member"]).get_json()
    assert [r["id"] for r in mine["items"]] == [asked["id"]]
    pending = client.get("/api/v1/redemptions?status=requested",
                         headers=eusko["headers"]["network"]).get_json()
    assert [r["id"] for r in pending["items"]] == [asked["id"]]


def test_a_mutual_credit_account_is_not_redeemable(client, db, eusko):
    make_currency(db, "MUTU", "mutual_credit")
    account = open_account(db, eusko["member"], "MUTU")
    response = client.post("/api/v1/redemptions", json={"account": account, "amount": "1.00"},
                           headers=eusko["headers"]["member"])
    assert (response.status_code, error_of(response)["code"]) == (422, "validation_error")


def test_ledger_verify_fails_when_the_reserve_does_not_cover_the_units(runner, db, eusko):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "reserve covers" in result.output
    stripe_clearing = governance.euro(db.session).issuance_account_id
    db.session.rollback()
    ledger.transfer(db.engine, [{"from": eusko["reserve"], "to": stripe_clearing,
                                 "amount": "0.01"}])
    with db.engine.connect() as conn:
        assert reserve_problems(conn) == [{
            "currency": "EUSKO", "circulating": "100.00", "reserve_eur": "99.99",
            "needed_eur": "100.00", "shortfall_eur": "0.01"}]
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "reserve FAILED: EUSKO" in result.output


def test_a_redemption_asked_twice_with_one_idempotency_key_holds_once(client, db, eusko):
    headers = {**eusko["headers"]["member"], "Idempotency-Key": "redeem-once"}
    body = {"account": eusko["account"], "amount": "20.00"}
    first = client.post("/api/v1/redemptions", json=body, headers=headers)
    again = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1
    account = ledger.get_account(db.session.connection(), eusko["account"])
    assert account["available"] == "80.00"
