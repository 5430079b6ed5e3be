"""Cooperative shares over HTTP on both databases: subscription in one transfer, the
quarter rule, bounds, calls and payments, withdrawals and their floor, the register."""

import csv
import io

import pytest

import ledger
from market.auth.roles import Role
from market.currencies.share_models import CooperativeCapital, ShareEvent
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import bearer, make_user
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture
def coop(db):
    return make_trader(db, 1, "Scic Énergie du Labourd")


@pytest.fixture
def alice(db):
    return make_trader(db, 2, "Jardins de l'Adour", funds={"EUR": "1000.00"})


@pytest.fixture
def bob(db):
    return make_trader(db, 3, "Menuiserie Basque", funds={"EUR": "1000.00"})


@pytest.fixture
def offer(db, coop):
    return make_offer(db, coop, kind="share", title="Parts sociales", unit="part",
                      price="100.00", quantity=None, share_min=2, share_max=10).id


def subscribe(client, who, offer_id, shares, paid):
    return client.post(f"/api/v1/offers/{offer_id}/subscriptions",
                       json={"shares": shares, "paid": paid}, headers=who.headers)


def capital(db, coop) -> CooperativeCapital:
    db.session.expire_all()
    return db.session.get(CooperativeCapital, coop.member.id)


def balance(db, account_id) -> str:
    db.session.rollback()
    return ledger.get_account(db.engine, account_id)["balance"]


def register(client, coop, who=None):
    return client.get(f"/api/v1/members/{coop.member.id}/share-register",
                      headers=(who or coop).headers)


def test_a_subscription_books_all_its_postings_in_one_transfer_and_enters_the_register(
        client, db, coop, alice, offer):
    made = subscribe(client, alice, offer, 4, "100.00")
    assert made.status_code == 201, made.get_json()
    event = made.get_json()
    assert (event["kind"], event["shares"], event["paid"], event["uncalled"]) == (
        "subscription", 4, "100.00", "300.00")
    booked = ledger.get_transfer(db.engine, event["transfer_id"])
    cap = capital(db, coop)
    postings = {(p["from"], p["to"], p["amount"]) for p in booked["postings"]}
    units = [p for p in booked["postings"] if p["from"] == cap.issuance_account_id][0]
    assert postings == {(alice.accounts["EUR"], cap.paid_account_id, "100.00"),
                        (cap.receivable_account_id, cap.uncalled_account_id, "300.00"),
                        (cap.issuance_account_id, units["to"], "4")}
    assert balance(db, alice.accounts["EUR"]) == "900.00"
    assert balance(db, cap.paid_account_id) == "100.00"
    assert balance(db, cap.uncalled_account_id) == "300.00"
    assert balance(db, cap.receivable_account_id) == "-300.00"
    assert balance(db, units["to"]) == "4"
    assert cap.highest_capital_minor == 40000
    seen = register(client, coop).get_json()
    assert seen["shares"] == 4 and seen["subscribed"] == "400.00"
    assert seen["holders"] == [{**seen["holders"][0], "member_id": alice.member.id,
                                "shares": 4, "paid": "100.00", "called_unpaid": "0.00",
                                "uncalled": "300.00"}]


@pytest.mark.parametrize("shares, paid, field", [
    (4, "99.99", "paid"),  # less than a quarter of 400.00
    (4, "400.01", "paid"),  # more than the nominal total
    (1, "100.00", "shares"),  # below the minimum of 2
    (11, "1100.00", "shares"),  # above the maximum of 10
])
def test_a_subscription_breaking_a_rule_is_refused_with_nothing_written(
        client, db, coop, alice, bob, offer, shares, paid, field):
    subscribe(client, bob, offer, 2, "200.00")  # the capital exists: nothing more to open
    with nothing_written(db):
        refused = subscribe(client, alice, offer, shares, paid)
    assert refused.status_code == 422
    body = refused.get_json()["error"]
    assert body["code"] == "validation_error" and field in body["details"]["fields"]


def test_the_maximum_counts_the_shares_already_held(client, db, coop, alice, offer):
    assert subscribe(client, alice, offer, 8, "800.00").status_code == 201
    refused = subscribe(client, alice, offer, 3, "300.00")
    assert refused.status_code == 422
    assert "10" in refused.get_json()["error"]["message"]


def test_a_call_then_a_payment_move_capital_from_uncalled_to_paid(client, db, coop, alice, bob,
                                                                   offer):
    subscribe(client, alice, offer, 4, "100.00")
    subscribe(client, bob, offer, 2, "200.00")
    called = client.post(f"/api/v1/members/{coop.member.id}/share-calls",
                         json={"per_share": "50.00"}, headers=coop.headers)
    assert called.status_code == 201, called.get_json()
    assert [(e["member_id"], e["called_unpaid"]) for e in called.get_json()["items"]] == [
        (alice.member.id, "200.00")]
    cap = capital(db, coop)
    assert balance(db, cap.called_account_id) == "200.00"
    assert balance(db, cap.uncalled_account_id) == "100.00"
    path = f"/api/v1/members/{coop.member.id}/share-payments"
    too_much = client.post(path, json={"amount": "200.01"}, headers=alice.headers)
    assert too_much.status_code == 422
    paid = client.post(path, json={"amount": "200.00"}, headers=alice.headers)
    assert paid.status_code == 201, paid.get_json()
    assert balance(db, cap.paid_account_id) == "500.00"
    assert balance(db, cap.called_account_id) == "0.00"
    assert balance(db, cap.receivable_account_id) == "-100.00"
    holder = [h for h in register(client, coop).get_json()["holders"]
              if h["member_id"] == alice.member.id][0]
    assert (holder["paid"], holder["called_unpaid"], holder["uncalled"]) == (
        "300.00", "0.00", "100.00")


def ask(client, who, coop, shares, kind="withdrawal", **extra):
    return client.post(f"/api/v1/members/{coop.member.id}/share-requests",
                       json={"kind": kind, "shares": shares, **extra}, headers=who.headers)


def decide(client, coop, request_id, decision="approve"):
    return client.post(f"/api/v1/share-requests/{request_id}/{decision}", json={},
                       headers=coop.headers)


def test_an_approved_withdrawal_repays_what_was_paid_and_cancels_the_rest(
        client, db, coop, alice, bob, offer):
    subscribe(client, alice, offer, 4, "100.00")
    subscribe(client, bob, offer, 10, "1000.00")
    asked = ask(client, alice, coop, 4)
    assert asked.status_code == 201, asked.get_json()
    decided = decide(client, coop, asked.get_json()["id"])
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "approved"
    cap = capital(db, coop)
    assert balance(db, alice.accounts["EUR"]) == "1000.00"
    assert balance(db, cap.uncalled_account_id) == "0.00"
    assert balance(db, cap.receivable_account_id) == "0.00"
    holders = register(client, coop).get_json()["holders"]
    assert [h["member_id"] for h in holders] == [bob.member.id]
    db.session.rollback()
    assert db.session.query(ShareEvent).count() == 3  # appended, never edited


def test_withdrawal_below_a_quarter_of_the_highest_capital_is_refused(client, db, coop, alice,
                                                                     bob, offer):
    subscribe(client, alice, offer, 10, "1000.00")
    subscribe(client, bob, offer, 2, "200.00")  # highest: 1,200.00; floor 300.00
    asked = ask(client, alice, coop, 10).get_json()
    with nothing_written(db):
        refused = decide(client, coop, asked["id"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["rule"] == "below_capital_floor"
    partial = ask(client, alice, coop, 9).get_json()  # leaves 300.00: exactly the floor
    assert decide(client, coop, partial["id"]).status_code == 200


def test_a_refused_withdrawal_moves_nothing(client, db, coop, alice, offer):
    subscribe(client, alice, offer, 4, "400.00")
    asked = ask(client, alice, coop, 2).get_json()
    assert decide(client, coop, asked["id"], "refuse").get_json()["status"] == "refused"
    assert balance(db, alice.accounts["EUR"]) == "600.00"
    assert decide(client, coop, asked["id"]).status_code == 409


def test_an_approved_transfer_moves_units_and_their_capital_to_the_other_member(
        client, db, coop, alice, bob, offer):
    subscribe(client, alice, offer, 4, "100.00")
    asked = ask(client, alice, coop, 2, kind="transfer", to_member=bob.member.id)
    assert decide(client, coop, asked.get_json()["id"]).status_code == 200
    holders = {h["member_id"]: h for h in register(client, coop).get_json()["holders"]}
    assert (holders[alice.member.id]["shares"], holders[bob.member.id]["shares"]) == (2, 2)
    assert holders[bob.member.id]["paid"] == "50.00"
    assert holders[bob.member.id]["uncalled"] == "150.00"


def test_the_register_exports_as_csv_that_parses_back(client, db, coop, alice, bob, offer):
    subscribe(client, alice, offer, 4, "100.00")
    subscribe(client, bob, offer, 2, "200.00")
    got = client.get(f"/api/v1/members/{coop.member.id}/share-register.csv",
                     headers=coop.headers)
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert {(r["holder"], r["units"], r["paid"], r["uncalled"]) for r in rows} == {
        ("Jardins de l'Adour", "4", "100.00", "300.00"),
        ("Menuiserie Basque", "2", "200.00", "0.00")}


def test_another_members_register_is_not_found(client, db, coop, alice, offer):
    subscribe(client, alice, offer, 4, "100.00")
    for path in ("share-register", "share-register.csv"):
        seen = client.get(f"/api/v1/members/{coop.member.id}/{path}", headers=alice.headers)
        assert seen.status_code == 404
    assert client.post(f"/api/v1/members/{coop.member.id}/share-calls",
                       json={"per_share": "1.00"}, headers=alice.headers).status_code == 404
    asked = ask(client, alice, coop, 2).get_json()
    assert decide(client, alice, asked["id"]).status_code == 404


def test_network_treasurers_read_every_register(client, db, coop, alice, offer):
    subscribe(client, alice, offer, 4, "100.00")
    treasurer = make_user(db, "tresorier@example.org", [(Role.network_treasurer, None)])
    seen = client.get(f"/api/v1/members/{coop.member.id}/share-register",
                      headers=bearer(db, treasurer))
    assert seen.status_code == 200 and seen.get_json()["shares"] == 4


@pytest.mark.parametrize("path", ["share-register", "share-register.csv"])
def test_an_id_no_member_can_have_is_not_found(client, db, path):
    treasurer = make_user(db, "tresorier@example.org", [(Role.network_treasurer, None)])
    response = client.get(f"/api/v1/members/2268839631/{path}", headers=bearer(db, treasurer))
    assert response.status_code == 404


def test_the_same_idempotency_key_subscribes_once_and_replays(client, db, coop, alice, offer):
    headers = {**alice.headers, "Idempotency-Key": "souscription-1"}
    path = f"/api/v1/offers/{offer}/subscriptions"
    first = client.post(path, json={"shares": 4, "paid": "100.00"}, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(path, json={"shares": 4, "paid": "100.00"}, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    other = client.post(path, json={"shares": 5, "paid": "125.00"}, headers=headers)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_conflict"
    assert balance(db, alice.accounts["EUR"]) == "900.00"
    assert register(client, coop).get_json()["shares"] == 4
    db.session.rollback()
    assert db.session.query(ShareEvent).count() == 1


def test_a_refused_subscription_replays_its_refusal_under_the_same_key(client, db, coop, alice,
                                                                       offer):
    headers = {**alice.headers, "Idempotency-Key": "souscription-refusee"}
    path = f"/api/v1/offers/{offer}/subscriptions"
    refused = client.post(path, json={"shares": 4, "paid": "99.99"}, headers=headers)
    assert refused.status_code == 422
    again = client.post(path, json={"shares": 4, "paid": "99.99"}, headers=headers)
    assert again.status_code == 422 and again.get_json() == refused.get_json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "quart" in again.get_json()["error"]["message"]
    assert again.get_json()["error"]["details"]["rule"] == "quarter_unpaid"
    db.session.rollback()
    assert db.session.query(ShareEvent).count() == 0
