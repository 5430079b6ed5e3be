"""Orders over HTTP on both databases: the ledger checked at each step, refusals, races."""

import threading

import pytest

import ledger
from market.members.models import MemberStatus
from market.offers.models import Offer
from market.orders.models import Order
from tests.integration.db_writes import nothing_written
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def buyer(db):
    return make_trader(db, 2, "Jardins de l'Adour", funds={"EUR": "1000.00", "EUSKO": "200.00"})


@pytest.fixture
def offer(db, seller):
    made = make_offer(db, seller, price="40.00", quantity=5, currency_share=30,
                      accepted_currencies=["EUSKO", "MUTU"],
                      deliveries=[{"kind": "pickup", "address": "Port de Bayonne"},
                                  {"kind": "delivery_radius", "radius_km": 30,
                                   "fee_kind": "fixed", "fee": "10.00"}])
    return made.id


def balances(db, trader) -> dict:
    return {code: (a["balance"], a["pending_debits"], a["pending_credits"])
            for code, a in ((c, ledger.get_account(db.engine, i))
                            for c, i in trader.accounts.items())}


def delivery_ids(db, offer_id):
    db.session.expire_all()
    return [d.id for d in db.session.get(Offer, offer_id).deliveries]


def stock(db, offer_id):
    db.session.expire_all()
    return db.session.get(Offer, offer_id).quantity


def place(client, buyer, offer_id, **body):
    return client.post("/api/v1/orders", json={"offer": offer_id, **body},
                       headers=buyer.headers)


def test_an_order_is_held_on_acceptance_and_posted_on_confirmation(client, db, seller, buyer,
                                                                  offer):
    pickup, delivered = delivery_ids(db, offer)
    placed = place(client, buyer, offer, quantity=2, delivery=delivered,
                   payment=[{"currency": "EUR", "amount": "66.00"},
                            {"currency": "EUSKO", "amount": "24.00"}])
    assert placed.status_code == 201, placed.json
    order = placed.json
    assert order["state"] == "requested" and order["total"] == "90.00"
    assert order["transfer"] is None and stock(db, offer) == 5
    accepted = client.post(f"/api/v1/orders/{order['id']}/accept", headers=seller.headers)
    assert accepted.status_code == 200, accepted.json
    transfer = accepted.json["transfer"]
    assert accepted.json["state"] == "accepted" and transfer["status"] == "pending"
    assert sorted((p["currency"], p["amount"]) for p in transfer["postings"]) == [
        ("EUR", "66.00"), ("EUSKO", "24.00")]
    assert stock(db, offer) == 3
    assert balances(db, buyer)["EUR"] == ("1000.00", "66.00", "0.00")
    assert balances(db, seller)["EUSKO"] == ("0.00", "0.00", "24.00")
    delivered_now = client.post(f"/api/v1/orders/{order['id']}/deliver", headers=seller.headers)
    assert delivered_now.json["state"] == "delivered"
    confirmed = client.post(f"/api/v1/orders/{order['id']}/confirm", headers=buyer.headers)
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["state"] == "completed"
    assert confirmed.json["transfer"]["status"] == "posted"
    assert balances(db, buyer)["EUR"] == ("934.00", "0.00", "0.00")
    assert balances(db, buyer)["EUSKO"] == ("176.00", "0.00", "0.00")
    assert balances(db, seller)["EUR"] == ("66.00", "0.00", "0.00")
    assert balances(db, seller)["EUSKO"] == ("24.00", "0.00", "0.00")
    assert ledger.verify(db.engine)["ok"]


@pytest.mark.parametrize(("actor", "action"), [("buyer", "cancel"), ("seller", "cancel")])
def test_cancelling_an_accepted_order_voids_the_hold_and_returns_the_stock(
        client, db, seller, buyer, offer, actor, action):
    pickup, _delivered = delivery_ids(db, offer)
    order = place(client, buyer, offer, quantity=1, delivery=pickup).json
    client.post(f"/api/v1/orders/{order['id']}/accept", headers=seller.headers)
    assert stock(db, offer) == 4
    who = buyer if actor == "buyer" else seller
    cancelled = client.post(f"/api/v1/orders/{order['id']}/{action}", headers=who.headers)
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["state"] == "cancelled"
    assert cancelled.json["transfer"]["status"] == "voided"
    assert stock(db, offer) == 5
    assert balances(db, buyer)["EUR"] == ("1000.00", "0.00", "0.00")


def test_a_rejected_order_holds_nothing(client, db, seller, buyer, offer):
    pickup, _ = delivery_ids(db, offer)
    order = place(client, buyer, offer, quantity=1, delivery=pickup).json
    rejected = client.post(f"/api/v1/orders/{order['id']}/reject", headers=seller.headers)
    assert rejected.json["state"] == "rejected" and rejected.json["transfer"] is None
    assert stock(db, offer) == 5


def test_an_expired_hold_expires_the_order_and_returns_the_stock(client, db, seller, buyer,
                                                                 offer):
    from datetime import timedelta

    from market.orders import services
    from market.orders.models import Order
    from market.platform.time import now_utc
    pickup, _ = delivery_ids(db, offer)
    order = place(client, buyer, offer, quantity=2, delivery=pickup).json
    other = place(client, buyer, offer, quantity=1, delivery=pickup).json
    for placed in (order, other):
        client.post(f"/api/v1/orders/{placed['id']}/accept", headers=seller.headers)
    later = now_utc() + timedelta(days=services.HOLD_DAYS + 1)
    db.session.rollback()
    assert services.expire_due(db.session, now=later) == 2
    db.session.commit()
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json
    assert shown["state"] == "expired" and shown["transfer"]["status"] == "expired"
    assert db.session.get(Order, order["id"]).closed_at == later  # the job's time, not now
    assert stock(db, offer) == 5
    assert balances(db, buyer)["EUR"] == ("1000.00", "0.00", "0.00")


def test_a_buyer_short_of_funds_leaves_the_order_requested_saying_why(client, db, seller, offer):
    poor = make_trader(db, 3, "Coop sans le sou", funds={"EUR": "10.00"})
    pickup, _ = delivery_ids(db, offer)
    order = place(client, poor, offer, quantity=1, delivery=pickup).json
    refused = client.post(f"/api/v1/orders/{order['id']}/accept", headers=seller.headers)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "insufficient_funds"
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=poor.headers).json
    assert shown["state"] == "requested" and shown["transfer"] is None
    assert shown["refusal"]["code"] == "insufficient_funds"
    assert stock(db, offer) == 5
    assert balances(db, poor)["EUR"] == ("10.00", "0.00", "0.00")


def test_a_transition_replayed_with_its_key_answers_the_same_and_acts_once(client, db, seller,
                                                                         buyer, offer):
    pickup, _ = delivery_ids(db, offer)
    order = place(client, buyer, offer, quantity=1, delivery=pickup).json
    headers = {**seller.headers, "Idempotency-Key": "accept-1"}
    first = client.post(f"/api/v1/orders/{order['id']}/accept", headers=headers)
    again = client.post(f"/api/v1/orders/{order['id']}/accept", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert again.json == first.json and stock(db, offer) == 4
    other = client.post(f"/api/v1/orders/{order['id']}/reject", headers=headers)
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    key = {**buyer.headers, "Idempotency-Key": "order-1"}
    body = {"offer": offer, "quantity": 1, "delivery": pickup}
    one = client.post("/api/v1/orders", json=body, headers=key)
    two = client.post("/api/v1/orders", json=body, headers=key)
    assert one.json["id"] == two.json["id"]
    assert db.session.query(Order).count() == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"quantity": 6}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 1, "delivery": 999_999}, "delivery"),
    ({"quantity": 1}, "delivery"),
    ({"quantity": 1, "delivery": "pickup", "payment": [{"currency": "EUSKO", "amount": "40.00"}]},
     "payment"),
    ({"quantity": 1, "delivery": "pickup", "payment": [{"currency": "EUR", "amount": "20.00"},
                                                       {"currency": "EUSKO", "amount": "20.00"}]},
     "payment"),
    ({"quantity": 1, "delivery": "pickup", "payment": [{"currency": "EUR", "amount": "39.00"}]},
     "payment"),
    ({"quantity": 1, "delivery": "pickup", "payment": [{"currency": "PARTS", "amount": "40"}]},
     "payment.0.currency"),
    ({"quantity": 1, "delivery": "pickup", "payment": [{"currency": "EUR", "amount": 40}]},
     "payment"),
])
def test_a_bad_order_is_refused_and_nothing_is_written(client, db, seller, buyer, offer, body,
                                                       field):
    pickup, _ = delivery_ids(db, offer)
    if body.get("delivery") == "pickup":
        body = {**body, "delivery": pickup}
    with nothing_written(db):
        response = place(client, buyer, offer, **body)
    assert response.status_code == 422, response.json
    fields = response.json["error"]["details"]["fields"]
    assert any(k.startswith(field) for k in fields), fields


def test_ordering_ones_own_offer_or_as_a_suspended_member_is_refused(client, db, seller, buyer,
                                                                     offer):
    pickup, _ = delivery_ids(db, offer)
    own = place(client, seller, offer, quantity=1, delivery=pickup)
    assert own.status_code == 422 and own.json["error"]["code"] == "not_eligible"
    assert own.json["error"]["message"] == "Une structure ne commande pas sa propre offre."
    buyer.member.status = MemberStatus.suspended
    db.session.commit()
    with nothing_written(db):
        suspended = place(client, buyer, offer, quantity=1, delivery=pickup)
    assert suspended.status_code == 403


def test_a_member_cannot_act_on_or_see_another_members_order(client, db, seller, buyer, offer):
    stranger = make_trader(db, 4, "Autre coop", funds={"EUR": "100.00"})
    pickup, _ = delivery_ids(db, offer)
    order = place(client, buyer, offer, quantity=1, delivery=pickup).json
    for action in ("accept", "reject", "cancel", "deliver", "confirm"):
        response = client.post(f"/api/v1/orders/{order['id']}/{action}",
                               headers=stranger.headers)
        assert response.status_code == 404
    assert client.get(f"/api/v1/orders/{order['id']}",
                      headers=stranger.headers).status_code == 404
    assert client.get("/api/v1/orders", headers=stranger.headers).json["items"] == []
    wrong_side = client.post(f"/api/v1/orders/{order['id']}/accept", headers=buyer.headers)
    assert wrong_side.status_code == 403


def test_two_buyers_racing_for_the_last_unit_get_exactly_one_acceptance(app, db, seller,
                                                                        offer):
    first = make_trader(db, 5, "Premier", funds={"EUR": "100.00"})
    second = make_trader(db, 6, "Second", funds={"EUR": "100.00"})
    offer_row = db.session.get(Offer, offer)
    offer_row.quantity = 1
    db.session.commit()
    pickup, _ = delivery_ids(db, offer)
    orders = []
    with app.test_client() as c:
        for trader in (first, second):
            orders.append(place(c, trader, offer, quantity=1, delivery=pickup).json["id"])
    db.session.rollback()
    results = []

    def accept(order_id):
        with app.test_client() as c:
            results.append(c.post(f"/api/v1/orders/{order_id}/accept",
                                  headers=seller.headers).status_code)

    threads = [threading.Thread(target=accept, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    assert stock(db, offer) == 0
    db.session.expire_all()
    states = sorted(db.session.get(Order, o).state for o in orders)
    assert states == ["accepted", "requested"]
