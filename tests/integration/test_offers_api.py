"""Offers through the JSON API: write, check, publish, show, and who may do what."""

import pytest
from sqlalchemy import update

from market.members.models import MemberStatus
from market.offers.models import Offer
from tests.integration.db_writes import nothing_written
from tests.integration.offers_factories import make_offer, make_trader, offer_fields


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def other(db):
    return make_trader(db, 2, "Jardins de l'Adour")


def test_a_member_writes_a_draft_then_publishes_it(client, seller):
    created = client.post("/api/v1/offers", json=offer_fields(
        currency_share=30, accepted_currencies=["MUTU", "EUSKO"],
        deliveries=[{"kind": "pickup", "address": "1 rue du Port, Bayonne"},
                    {"kind": "delivery_radius", "radius_km": 40, "fee_kind": "fixed",
                     "fee": "15.00"}]), headers=seller.headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "draft" and body["price"] == "12.50"
    assert body["accepted_currencies"] == ["EUSKO", "MUTU"]
    assert [d["fee"] for d in body["deliveries"]] == [None, "15.00"]
    assert body["city"] == "Bayonne" and body["latitude"].startswith("43.49")
    assert client.get(f"/api/v1/offers/{body['id']}").status_code == 404  # a draft is hidden
    published = client.post(f"/api/v1/offers/{body['id']}/publish", headers=seller.headers)
    assert published.status_code == 200 and published.json["status"] == "published"
    assert client.get(f"/api/v1/offers/{body['id']}").json["title"] == "Planches de chêne"


@pytest.mark.parametrize(("changes", "field"), [
    ({"price": "-1.00"}, "price"),
    ({"price": 12.5}, "price"),
    ({"price": "12.5"}, "price"),
    ({"currency_share": 101}, "currency_share"),
    ({"sector": "nothing.here"}, "sector"),
    ({"currency_share": 20, "accepted_currencies": []}, "accepted_currencies"),
    ({"currency_share": 20, "accepted_currencies": ["EUR"]}, "accepted_currencies"),
    ({"currency_share": 20, "accepted_currencies": ["NOPE"]}, "accepted_currencies"),
    ({"currency": "NOPE"}, "currency"),
    ({"reach": "local"}, "radius_km"),
    ({"quantity": -1}, "quantity"),
    ({"kind": "share"}, "share_min"),
    ({"kind": "share", "share_min": 5, "share_max": 2}, "share_max"),
    ({"deliveries": [{"kind": "teleport"}]}, "deliveries"),
    ({"deliveries": [{"kind": "pickup"}]}, "deliveries.0"),
    ({"deliveries": [{"kind": "pickup", "address": "x", "fee_kind": "fixed"}]},
     "deliveries.0"),
    ({"valid_from": "2027-02-01T00:00:00+00:00", "valid_until": "2027-01-01T00:00:00+00:00"},
     "valid_until"),
])
def test_a_bad_offer_is_refused_field_by_field_and_nothing_is_written(client, db, seller,
                                                                      changes, field):
    with nothing_written(db):
        response = client.post("/api/v1/offers", json=offer_fields(**changes),
                               headers=seller.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]["fields"]


def test_another_member_can_neither_see_a_draft_nor_change_an_offer(client, db, seller, other):
    draft = make_offer(db, seller, publish=False)
    published = make_offer(db, seller, title="Tables de jardin")
    assert client.get(f"/api/v1/offers/{draft.id}", headers=other.headers).status_code == 404
    for offer_id in (draft.id, published.id, 999_999):
        patched = client.patch(f"/api/v1/offers/{offer_id}", json={"title": "Volé"},
                               headers=other.headers)
        assert patched.status_code == 404
        assert client.post(f"/api/v1/offers/{offer_id}/archive",
                           headers=other.headers).status_code == 404
    assert client.get(f"/api/v1/offers/{published.id}").json["title"] == "Tables de jardin"


def test_a_suspended_member_cannot_write_offers(client, db, seller):
    seller.member.status = MemberStatus.suspended
    db.session.commit()
    response = client.post("/api/v1/offers", json=offer_fields(), headers=seller.headers)
    assert response.status_code == 403


def test_publishing_needs_an_account_in_each_currency_paid(client, db, seller):
    from sqlalchemy import text
    draft = make_offer(db, seller, publish=False, currency_share=50,
                       accepted_currencies=["MUTU"])
    db.session.execute(text("UPDATE ledger_accounts SET status = 'closed' WHERE id = :id"),
                       {"id": seller.accounts["MUTU"]})
    db.session.commit()
    response = client.post(f"/api/v1/offers/{draft.id}/publish", headers=seller.headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_eligible"


@pytest.mark.parametrize(("status", "action", "allowed"), [
    ("draft", "publish", True), ("draft", "pause", False), ("draft", "renew", False),
    ("published", "pause", True), ("published", "publish", False),
    ("paused", "publish", True), ("expired", "renew", True), ("archived", "publish", False),
    ("archived", "renew", False), ("published", "archive", True),
])
def test_offer_transitions_follow_the_table(client, db, seller, status, action, allowed):
    offer = make_offer(db, seller, publish=False)
    offer.status = status
    db.session.commit()
    response = client.post(f"/api/v1/offers/{offer.id}/{action}", headers=seller.headers)
    assert (response.status_code == 200) is allowed, response.json
    if not allowed:
        assert response.json["error"]["code"] == "invalid_state"


def test_a_refused_write_leaves_no_lock_behind(client, db, seller, other):
    # The PATCH takes the write lock (SQLite) and the row, then is refused: another
    # connection must write at once, not wait for the next request to end the transaction.
    offer = make_offer(db, seller)
    refused = client.patch(f"/api/v1/offers/{offer.id}", json={"title": "Pris"},
                           headers=other.headers)
    assert refused.status_code == 404
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=0" if conn.dialect.name == "sqlite"
                             else "SET lock_timeout = '1s'")
        conn.execute(update(Offer).where(Offer.id == offer.id).values(title="Libre"))
        conn.commit()
