"""The inclusive catalogue over HTTP and as a service: the least-served eligible structure
gets a small purchase, ties fall by the shown seed, the order runs as any marketplace order,
and refused purchases write nothing."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

import ledger
from market.auth.roles import Role
from market.matching import rotation
from market.members.models import LegalForm, Member, MemberStatus
from market.orders import services as orders
from market.platform.database import begin_write
from market.platform.time import now_utc
from market.procurement import catalogue
from market.procurement.contract_models import CataloguePurchase
from market.procurement.models import StructureReach
from market.procurement.outreach_models import ProcurementSettings
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, log_in, make_member, make_user
from tests.integration.offers_factories import make_offer
from tests.integration.procurement_factories import GREEN, make_buyer, make_structure

#: Bayonne (64): 300 km from La Rochelle, where make_structure places structures.
BAYONNE = (Decimal("43.492900"), Decimal("-1.474800"))
#: Ten hours of green-space work in Charente-Maritime (17), at 30.00 EUR: 300.00 EUR.
NEED = {"sector": GREEN, "department": "17", "quantity": 10}
#: What a purchase writes: the order, its notification (and mail) to the seller, the purchase.
PURCHASE_TABLES = ("orders", "notifications", "outbox_emails", "catalogue_purchases")


def structure(db, n: int, name: str, price: str = "30.00", **fields):
    """An inclusion structure with a published green-space service at ``price`` an hour."""
    trader = make_structure(db, n, name, **fields)
    trader.offer = make_offer(db, trader, kind="service", title=f"Tonte : {name}",
                              sector=GREEN, unit="heure", price=price, quantity=None)
    return trader


def past_purchase(db, buyer, supplier, value_eur: int, days_ago: int = 30) -> None:
    """A catalogue purchase given to ``supplier`` ``days_ago`` days ago, with its order."""
    offer = supplier.offer
    order = orders.request_order(db.session, offer, buyer.member, buyer.user.id,
                                 {"quantity": value_eur * 100 // offer.price_minor})
    db.session.add(CataloguePurchase(
        buyer_id=buyer.member.id, sector_code=GREEN, department="17", quantity=order.quantity,
        supplier_id=supplier.member.id, offer_id=offer.id, order_id=order.id,
        value_minor=value_eur * 100, seed="past", candidates=[],
        created_at=now_utc() - timedelta(days=days_ago)))
    db.session.commit()


@pytest.fixture
def buyer(db):
    return make_buyer(db, 60, funds={"EUR": "5000.00"})


def buy(client, buyer, **changes):
    return client.post("/api/v1/catalogue/purchases", json={**NEED, **changes},
                       headers=buyer.headers)


def test_the_least_served_structure_gets_the_purchase(client, db, buyer):
    served = structure(db, 1, "Jardins de l'Aunis")
    fresh = structure(db, 2, "Terres de Ré")
    past_purchase(db, buyer, served, 300)
    past_purchase(db, buyer, served, 600)
    with writes(db, *PURCHASE_TABLES):
        response = buy(client, buyer)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["chosen"] == body["supplier"]["id"] == fresh.member.id
    assert body["value"] == "300.00" and body["currency"] == "EUR"
    assert [c["member"]["id"] for c in body["candidates"]] == [fresh.member.id,
                                                               served.member.id]
    assert [c["received"] for c in body["candidates"]] == ["0.00", "900.00"]
    assert body["offer_id"] == fresh.offer.id and body["verified"] is True


def test_purchases_older_than_twelve_months_do_not_count(client, db, buyer):
    long_ago = structure(db, 1, "Jardins de l'Aunis")
    lately = structure(db, 2, "Terres de Ré")
    past_purchase(db, buyer, long_ago, 900, days_ago=400)
    past_purchase(db, buyer, lately, 300, days_ago=100)
    response = buy(client, buyer)
    assert response.status_code == 201, response.json
    assert response.json["chosen"] == long_ago.member.id
    assert response.json["candidates"][0]["received"] == "0.00"


def test_ties_are_broken_by_the_given_seed_as_rotation_verify_says(db, buyer):
    tied = [structure(db, n, f"Structure {n}") for n in range(1, 5)]
    ids = {t.member.id for t in tied}
    chosen = set()
    for i in range(8):
        seed = f"seed-{i}"
        row = catalogue.purchase(db.session, buyer.member, buyer.user.id, NEED, now_utc(),
                                 seed=seed)
        stored = [(c["member_id"], c["offer_id"], c["received_minor"]) for c in row.candidates]
        db.session.rollback()  # each draw from the same state: nobody served yet
        assert row.seed == seed and {c[0] for c in stored} == ids
        assert all(c[2] == 0 for c in stored)
        assert row.supplier_id == rotation.verify(stored, seed)
        assert [c.member_id for c in rotation.rank(stored[::-1], seed).ranking] == \
            [c[0] for c in stored]
        chosen.add(row.supplier_id)
    assert len(chosen) > 1  # the seed, not the ids, decides


def test_the_page_shows_a_seed_anyone_can_check_the_choice_with(client, db, buyer):
    for n in range(1, 4):
        structure(db, n, f"Structure {n}")
    body = buy(client, buyer).json
    assert len(body["seed"]) == 32
    candidates = [(c["member"]["id"], c["offer_id"], 0) for c in body["candidates"]]
    assert rotation.verify(candidates, body["seed"]) == body["chosen"]


def test_a_purchase_above_the_threshold_is_refused_and_writes_nothing(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis", price="5000.00")  # 10 hours: 50,000 EUR
    with nothing_written(db):
        response = buy(client, buyer)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "not_eligible"
    assert "au-delà de 40 000,00 EUR, passez par un appel d'offres" in error["message"]
    assert error["details"]["threshold"] == "40000.00"
    assert error["details"]["cheapest"] == "50000.00"


def test_the_threshold_is_the_one_the_network_admin_set(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    db.session.add(ProcurementSettings(id=1, catalogue_threshold_minor=20_000))
    db.session.commit()
    with nothing_written(db):
        response = buy(client, buyer)
    assert response.status_code == 422
    assert "200,00 EUR" in response.json["error"]["message"]


def test_a_structure_whose_offer_goes_beyond_the_threshold_is_left_out(client, db, buyer):
    cheap = structure(db, 1, "Jardins de l'Aunis")
    dear = structure(db, 2, "Terres de Ré", price="4500.00")
    past_purchase(db, buyer, cheap, 300)
    preview = client.get("/api/v1/catalogue/candidates", query_string=NEED,
                         headers=buyer.headers).json
    assert [i["member"]["id"] for i in preview["items"]] == [cheap.member.id]
    assert preview["over_threshold"] == 1 and preview["threshold"] == "40000.00"
    body = buy(client, buyer).json
    assert body["chosen"] == cheap.member.id
    assert dear.member.id not in {c["member"]["id"] for c in body["candidates"]}


def test_out_of_reach_and_ordinary_enterprises_are_not_candidates(client, db, buyer):
    near = structure(db, 1, "Jardins de l'Aunis")
    structure(db, 2, "Jardins de l'Adour", place=BAYONNE, radius_km=50)
    structure(db, 3, "Paysages SARL", kind="none")
    listed = structure(db, 4, "ESAT du Béarn", kind="ESAT", place=BAYONNE,
                       reach=StructureReach.departments, departments=("64", "17"))
    everywhere = structure(db, 5, "EA Nationale", kind="EA", place=BAYONNE,
                           reach=StructureReach.country)
    structure(db, 6, "ESAT des Landes", kind="ESAT", reach=StructureReach.departments,
              departments=("40",))
    response = client.get("/api/v1/catalogue/candidates", query_string=NEED,
                          headers=buyer.headers)
    assert response.status_code == 200, response.json
    found = {i["member"]["id"] for i in response.json["items"]}
    assert found == {near.member.id, listed.member.id, everywhere.member.id}
    assert all(i["least_served"] and i["value"] == "300.00" for i in response.json["items"])


def test_offers_that_cannot_fill_the_purchase_are_not_candidates(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    short = make_structure(db, 2, "Terres de Ré")
    make_offer(db, short, kind="service", sector=GREEN, unit="heure", price="20.00",
               quantity=5)  # 5 hours left of 10
    other = make_structure(db, 3, "Brin de Paille")
    make_offer(db, other, kind="product", sector="wood.carpentry", price="1.00")
    draft = make_structure(db, 4, "Vert Demain")
    make_offer(db, draft, publish=False, kind="service", sector=GREEN, unit="heure",
               price="1.00", quantity=None)
    suspended = structure(db, 5, "Suspendue")
    suspended.member.status = MemberStatus.suspended
    db.session.commit()
    items = client.get("/api/v1/catalogue/candidates", query_string=NEED,
                       headers=buyer.headers).json["items"]
    assert [i["member"]["name"] for i in items] == ["Jardins de l'Aunis"]


def test_each_structure_offers_its_cheapest_fitting_offer(client, db, buyer):
    trader = structure(db, 1, "Jardins de l'Aunis", price="40.00")
    cheaper = make_offer(db, trader, kind="service", title="Taille de haies", sector=GREEN,
                         unit="heure", price="25.00", quantity=None)
    body = buy(client, buyer).json
    assert body["offer_id"] == cheaper.id and body["value"] == "250.00"


def test_an_offer_is_handed_over_free_or_not_at_all(client, db, buyer):
    pickup = make_structure(db, 1, "Jardins de l'Aunis")
    free = make_offer(db, pickup, kind="service", sector=GREEN, unit="heure", price="30.00",
                      quantity=None, deliveries=[
                          {"kind": "delivery_radius", "radius_km": 50, "fee_kind": "fixed",
                           "fee": "40.00"},
                          {"kind": "pickup", "address": "Rue des Jardins, La Rochelle"}])
    paid = make_structure(db, 2, "Terres de Ré")
    make_offer(db, paid, kind="service", sector=GREEN, unit="heure", price="10.00",
               quantity=None, deliveries=[{"kind": "delivery_radius", "radius_km": 50,
                                           "fee_kind": "fixed", "fee": "40.00"}])
    body = buy(client, buyer).json
    assert body["offer_id"] == free.id and [c["member"]["id"] for c in body["candidates"]] \
        == [pickup.member.id]
    order = client.get(f"/api/v1/orders/{body['order_id']}", headers=pickup.headers).json
    assert order["delivery"]["kind"] == "pickup" and order["total"] == "300.00"


def test_no_candidate_is_a_clear_refusal_that_writes_nothing(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    with nothing_written(db):
        response = buy(client, buyer, department="2A")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_eligible"
    assert "Aucune structure inclusive" in response.json["error"]["message"]


def test_a_postcode_gives_the_department(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    response = client.post("/api/v1/catalogue/purchases",
                           json={"sector": GREEN, "postcode": "17300", "quantity": 2},
                           headers=buyer.headers)
    assert response.status_code == 201, response.json
    assert response.json["department"] == "17"


def test_the_order_is_requested_and_the_supplier_sees_it(client, db, buyer):
    supplier = structure(db, 1, "Jardins de l'Aunis")
    body = buy(client, buyer, note="Parc Charruyer, avant le 15").json
    order = client.get(f"/api/v1/orders/{body['order_id']}", headers=supplier.headers)
    assert order.status_code == 200, order.json
    assert order.json["state"] == "requested" and order.json["quantity"] == 10
    assert order.json["offer"]["id"] == supplier.offer.id
    detail = client.get(f"/api/v1/catalogue/purchases/{body['id']}", headers=supplier.headers)
    assert detail.status_code == 200 and detail.json["verified"] is True
    accepted = client.post(f"/api/v1/orders/{body['order_id']}/accept",
                           headers=supplier.headers)
    assert accepted.status_code == 200, accepted.json  # then as any marketplace order


def test_the_buyer_follows_its_purchase_as_an_order_and_confirms_it(client, db, buyer):
    # The buyer holds the buyer role only: the order is theirs to read and confirm.
    supplier = structure(db, 1, "Jardins de l'Aunis")
    other = make_buyer(db, 61, "Ville de Niort")
    order_id = buy(client, buyer).json["order_id"]
    assert client.post(f"/api/v1/orders/{order_id}/accept",
                       headers=supplier.headers).status_code == 200
    seen = client.get(f"/api/v1/orders/{order_id}", headers=buyer.headers)
    assert seen.status_code == 200 and seen.json["state"] == "accepted"
    listed = client.get("/api/v1/orders?role=buyer", headers=buyer.headers).json["items"]
    assert [o["id"] for o in listed] == [order_id]
    for path in (f"/api/v1/orders/{order_id}", f"/api/v1/orders/{order_id}/confirm"):
        method = client.post if path.endswith("confirm") else client.get
        assert method(path, headers=other.headers).status_code == 404
    log_in(client, buyer.user)
    page = client.get(f"/commandes/{order_id}")
    assert page.status_code == 200 and "Tonte : Jardins de l&#39;Aunis" in page.text
    assert f'action="/commandes/{order_id}/confirm"' in page.text
    assert f'href="/commandes/{order_id}"' in client.get("/commandes").text
    confirmed = client.post(f"/api/v1/orders/{order_id}/confirm", headers=buyer.headers)
    assert confirmed.status_code == 200 and confirmed.json["state"] == "completed"
    assert ledger.get_account(db.engine, supplier.accounts["EUR"])["balance"] == "300.00"


def test_purchases_at_the_same_time_go_one_after_the_other(app, db, buyer):
    # This test's transaction buys first and keeps its locks while a second purchase comes.
    first = structure(db, 1, "Jardins de l'Aunis")
    second = structure(db, 2, "Terres de Ré")
    past_purchase(db, buyer, second, 200)
    begin_write(db.session)
    mine = catalogue.purchase(db.session, db.session.get(Member, buyer.member.id),
                              buyer.user.id, NEED, now_utc())
    assert mine.supplier_id == first.member.id  # 0 received against 200
    answers = []

    def other_purchase():
        with app.test_client() as other:
            answers.append(buy(other, buyer))

    waiting = threading.Thread(target=other_purchase)
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive()  # it waits for the first purchase's transaction to end
    db.session.commit()
    waiting.join(30)
    assert answers[0].status_code == 201, answers[0].json
    assert answers[0].json["chosen"] == second.member.id  # 300 received against 200


def test_the_purchase_detail_shows_its_rotation_verified(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    structure(db, 2, "Terres de Ré")
    made = buy(client, buyer).json
    detail = client.get(f"/api/v1/catalogue/purchases/{made['id']}", headers=buyer.headers)
    assert detail.status_code == 200
    assert detail.json == made and detail.json["verified"] is True
    row = db.session.get(CataloguePurchase, made["id"])
    row.seed = "tampered"  # another seed may rank the tie otherwise; a changed ranking too
    row.candidates = list(reversed(row.candidates))
    db.session.commit()
    assert client.get(f"/api/v1/catalogue/purchases/{made['id']}",
                      headers=buyer.headers).json["verified"] is False


def test_the_buyer_lists_its_purchases(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    made = [buy(client, buyer, quantity=q).json["id"] for q in (1, 2, 3)]
    other = make_buyer(db, 61, "Ville de Rochefort", funds={"EUR": "5000.00"})
    buy(client, other)
    page = client.get("/api/v1/catalogue/purchases?limit=2", headers=buyer.headers).json
    rest = client.get(f"/api/v1/catalogue/purchases?cursor={page['next_cursor']}",
                      headers=buyer.headers).json
    assert [p["id"] for p in page["items"] + rest["items"]] == made
    assert rest["next_cursor"] is None


def test_another_buyer_and_another_structure_get_404_a_network_admin_sees_it(client, db,
                                                                             buyer):
    structure(db, 1, "Jardins de l'Aunis")
    bystander = structure(db, 2, "Ailleurs", place=BAYONNE, radius_km=20)
    made = buy(client, buyer).json
    other = make_buyer(db, 61, "Ville de Rochefort", funds={"EUR": "5000.00"})
    admin = bearer(db, make_user(db, "admin@example.org", [(Role.network_admin, None)]))
    path = f"/api/v1/catalogue/purchases/{made['id']}"
    for headers in (other.headers, bystander.headers):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/catalogue/purchases", headers=other.headers).json["items"] == []
    assert client.get(path, headers=admin).status_code == 200
    assert client.get("/api/v1/catalogue/purchases/999999", headers=buyer.headers) \
        .status_code == 404


def test_a_caller_who_is_not_a_buyer_is_refused(client, db, buyer):
    trader = structure(db, 1, "Jardins de l'Aunis")
    admin = bearer(db, make_user(db, "admin@example.org", [(Role.network_admin, None)]))
    for headers in (trader.headers, admin):
        with nothing_written(db):
            response = client.post("/api/v1/catalogue/purchases", json=NEED, headers=headers)
        assert response.status_code == 403
        assert client.get("/api/v1/catalogue/candidates", query_string=NEED,
                          headers=headers).status_code == 403
    assert client.post("/api/v1/catalogue/purchases", json=NEED).status_code == 401


def test_a_suspended_buyer_previews_but_does_not_buy(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    buyer.member.status = MemberStatus.suspended
    db.session.commit()
    assert client.get("/api/v1/catalogue/candidates", query_string=NEED,
                      headers=buyer.headers).status_code == 200
    with nothing_written(db):
        assert buy(client, buyer).status_code == 403


def test_a_failing_order_writes_nothing(client, db):
    structure(db, 1, "Jardins de l'Aunis")
    body = make_member(db, name="Commune sans compte", n=62, legal_form=LegalForm.public_body)
    headers = bearer(db, make_user(db, "mairie@example.org", [(Role.buyer, body.id)]))
    with nothing_written(db):
        response = client.post("/api/v1/catalogue/purchases", json=NEED, headers=headers)
    assert response.status_code == 422
    assert "payment" in response.json["error"]["details"]["fields"]


@pytest.mark.parametrize("changes, field", [
    ({"sector": "no.such.sector"}, "sector"),
    ({"sector": "x" * 33}, "sector"),
    ({"sector": "green\x00"}, "sector"),
    ({"department": "99"}, "department"),
    ({"department": "17\n"}, "department"),
    ({"department": "<script>"}, "department"),
    ({"department": None}, "department"),
    ({"department": "17", "postcode": "64100"}, "postcode"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 10**10}, "quantity"),
    ({"quantity": 2**31}, "quantity"),
    ({"quantity": 1.5}, "quantity"),
    ({"quantity": "10"}, "quantity"),
    ({"note": "x" * 2001}, "note"),
    ({"seed": "mine"}, "seed"),
])
def test_bad_purchases_are_refused_with_field_messages_and_write_nothing(client, db, buyer,
                                                                          changes, field):
    structure(db, 1, "Jardins de l'Aunis")
    with nothing_written(db):
        response = buy(client, buyer, **changes)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]["fields"]


@pytest.mark.parametrize("query", [
    {"sector": GREEN, "quantity": "10"},
    {"sector": GREEN, "department": "17", "quantity": "ten"},
    {"sector": GREEN, "department": "17", "quantity": str(2**63)},
    {"sector": "unknown", "department": "17", "quantity": "1"},
    {"sector": GREEN, "department": "2C", "quantity": "1"},
])
def test_a_bad_preview_is_refused(client, db, buyer, query):
    response = client.get("/api/v1/catalogue/candidates", query_string=query,
                          headers=buyer.headers)
    assert response.status_code == 422, response.json


def test_a_purchase_id_past_32_bits_is_not_found(client, db, buyer):
    response = client.get(f"/api/v1/catalogue/purchases/{2**31}", headers=buyer.headers)
    assert response.status_code == 404
    response = client.get("/api/v1/catalogue/purchases?cursor=bogus", headers=buyer.headers)
    assert response.status_code == 422
