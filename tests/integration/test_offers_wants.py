"""Wants: a member's saved searches, the offers fitting them, the sellers' side, and the
notification written once when a fitting offer is published."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from market.members.models import MemberStatus
from market.notifications.models import Notification
from market.offers import services, want_alerts, wants
from market.offers.models import Want, WantMatch
from market.platform.time import now_utc
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in
from tests.integration.offers_factories import make_offer, make_trader

LYON = {"city": "Lyon", "department": "69", "region": "Auvergne-Rhône-Alpes",
        "latitude": 45.7640, "longitude": 4.8357}
#: About 92 km and 170 km from Bayonne, in the same region.
PAU = {"latitude": "43.295100", "longitude": "-0.370800", "city": "Pau"}
BORDEAUX = {"latitude": "44.837800", "longitude": "-0.579200", "city": "Bordeaux"}


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def buyer(db):
    return make_trader(db, 2, "Jardins de l'Adour")


@pytest.fixture
def far(db):
    return make_trader(db, 3, "Atelier Rhône Solidaire", **LYON)


def want(client, trader, **fields) -> dict:
    response = client.post("/api/v1/wants", json={"title": "Du bois", **fields},
                           headers=trader.headers)
    assert response.status_code == 201, response.json
    return response.json


def fitting(client, trader, want_id) -> set[str]:
    response = client.get(f"/api/v1/wants/{want_id}/offers", headers=trader.headers)
    assert response.status_code == 200, response.json
    return {item["title"] for item in response.json["items"]}


def test_a_want_takes_its_members_place_and_keeps_its_budget_in_minor_units(client, db,
                                                                            buyer):
    with writes(db, "wants"):
        body = want(client, buyer, budget="15.00", keywords="chêne", sector="wood.carpentry")
    assert body["region"] == "Nouvelle-Aquitaine" and body["latitude"].startswith("43.49")
    assert body["budget"] == "15.00" and body["reach"] == "regional"
    assert db.session.get(Want, body["id"]).budget_minor == 1500
    listed = client.get("/api/v1/wants", headers=buyer.headers).json["items"]
    assert [w["id"] for w in listed] == [body["id"]]


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": "ab"}, "title"),
    ({"budget": 15}, "budget"),
    ({"budget": "15.5"}, "budget"),
    ({"budget": "-1.00"}, "budget"),
    ({"currency": "NOPE"}, "currency"),
    ({"sector": "nothing.here"}, "sector"),
    ({"kind": "gift"}, "kind"),
    ({"reach": "local"}, "radius_km"),
    ({"reach": "local", "radius_km": 301}, "radius_km"),
    ({"latitude": "43.1"}, "latitude"),
    ({"until": "2001-01-01T00:00:00+00:00"}, "until"),
    ({"until": "2030-01-01T00:00:00"}, "until"),
    ({"keywords": "bois\x1b[31m"}, "keywords"),
    ({"title": "Du bois\x00"}, "title"),
    ({"owner": 1}, "owner"),
])
def test_a_bad_want_is_refused_field_by_field_and_nothing_is_written(client, db, buyer,
                                                                     fields, field):
    with nothing_written(db):
        response = client.post("/api/v1/wants", json={"title": "Du bois", **fields},
                               headers=buyer.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]["fields"]


def test_another_members_want_is_not_found_like_a_missing_one(client, db, buyer, seller):
    mine = want(client, buyer)["id"]
    for want_id in (mine, 999_999):
        with nothing_written(db):
            for method, path in (("GET", f"/api/v1/wants/{want_id}"),
                                 ("PATCH", f"/api/v1/wants/{want_id}"),
                                 ("DELETE", f"/api/v1/wants/{want_id}"),
                                 ("GET", f"/api/v1/wants/{want_id}/offers")):
                response = client.open(path, method=method, json={"title": "Volé"}
                                       if method == "PATCH" else None, headers=seller.headers)
                assert response.status_code == 404, (method, path)
                assert response.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/wants", headers=seller.headers).json["items"] == []


def test_a_want_is_changed_and_removed_by_its_member(client, db, buyer):
    mine = want(client, buyer, budget="10.00")["id"]
    changed = client.patch(f"/api/v1/wants/{mine}", json={"title": "Bois sec", "budget": None},
                           headers=buyer.headers)
    assert changed.status_code == 200 and changed.json["title"] == "Bois sec"
    assert changed.json["budget"] is None
    with writes(db, "wants"):
        assert client.delete(f"/api/v1/wants/{mine}", headers=buyer.headers).status_code == 204
    assert client.get(f"/api/v1/wants/{mine}", headers=buyer.headers).status_code == 404


def test_a_suspended_member_reads_its_wants_but_writes_none(client, db, buyer):
    mine = want(client, buyer)["id"]
    buyer.member.status = MemberStatus.suspended
    db.session.commit()
    assert client.get(f"/api/v1/wants/{mine}", headers=buyer.headers).status_code == 200
    with nothing_written(db):
        assert client.post("/api/v1/wants", json={"title": "Encore du bois"},
                           headers=buyer.headers).status_code == 403
        assert client.patch(f"/api/v1/wants/{mine}", json={"title": "Autre"},
                            headers=buyer.headers).status_code == 403
        assert client.delete(f"/api/v1/wants/{mine}", headers=buyer.headers).status_code == 403


@pytest.fixture
def offers(db, seller, far, buyer) -> dict:
    """Offers around Bayonne and in Lyon, each testing one rule of the match."""
    def make(trader, **fields):
        return make_offer(db, trader, description="", **fields)

    made = {
        "national oak": make(seller, title="Planches de chêne"),
        "dear oak": make(seller, title="Chêne massif", price="40.00"),
        "oak in MUTU": make(seller, title="Chêne contre crédit", currency="MUTU"),
        "service": make(seller, kind="service", title="Pose de parquet en chêne"),
        "other sector": make(seller, title="Paniers de chêne", sector="food.bakery"),
        "local here": make(seller, title="Chêne local", reach="local", radius_km=20),
        "local in Pau": make(seller, title="Chêne béarnais", reach="local", radius_km=20,
                             **PAU),
        "regional Bordeaux": make(seller, title="Chêne girondin", reach="regional",
                                  **BORDEAUX),
        "regional Lyon": make(far, title="Chêne lyonnais", reach="regional"),
        "national Lyon": make(far, title="Chêne du Rhône"),
        "european": make(far, title="Chêne d'Europe", reach="europe"),
        "pine": make(seller, title="Planches de pin"),
        "draft": make(seller, publish=False, title="Chêne en brouillon"),
        "own": make(buyer, title="Notre propre chêne"),
    }
    return made


@pytest.mark.parametrize(("fields", "expected"), [
    ({"keywords": "chêne", "sector": "wood.carpentry", "kind": "product",
      "budget": "20.00", "reach": "national"},
     {"Planches de chêne", "Chêne local", "Chêne girondin", "Chêne du Rhône",
      "Chêne d'Europe"}),
    ({"keywords": "chene", "reach": "regional"},
     {"Planches de chêne", "Chêne massif", "Chêne contre crédit", "Pose de parquet en chêne",
      "Paniers de chêne", "Chêne local", "Chêne girondin"}),
    ({"keywords": "planches chêne", "reach": "europe"}, {"Planches de chêne"}),
    ({"reach": "local", "radius_km": 50, "keywords": "chêne", "kind": "product",
      "sector": "wood.carpentry"},
     {"Planches de chêne", "Chêne massif", "Chêne contre crédit", "Chêne local"}),
    ({"reach": "local", "radius_km": 150, "sector": "wood.carpentry", "budget": "20.00",
      "currency": "MUTU"}, {"Chêne contre crédit"}),
    ({"keywords": "bouleau", "reach": "europe"}, set()),
    ({"keywords": "-- ?", "reach": "europe", "budget": "12.50"},
     {"Planches de chêne", "Pose de parquet en chêne", "Paniers de chêne", "Chêne local",
      "Chêne girondin", "Chêne du Rhône", "Chêne d'Europe", "Planches de pin"}),
])
def test_a_want_fits_the_offers_of_its_sector_kind_budget_words_and_places(
        client, db, buyer, offers, fields, expected):
    made = want(client, buyer, **fields)
    assert fitting(client, buyer, made["id"]) == expected
    # The sellers' side agrees, offer by offer.
    stored = db.session.get(Want, made["id"])
    for offer in offers.values():
        db.session.refresh(offer)
        fits = stored.id in {w.id for w in wants.wants_for_offer(db.session, offer)}
        assert fits == (offer.title in expected), offer.title


def test_a_want_past_its_date_or_of_a_suspended_member_fits_no_offer(client, db, buyer,
                                                                     seller, offers):
    made = want(client, buyer, keywords="chêne")
    stored = db.session.get(Want, made["id"])
    oak = offers["national oak"]
    assert [w.id for w in wants.wants_for_offer(db.session, oak)] == [stored.id]
    stored.until = now_utc() - timedelta(minutes=1)
    db.session.commit()
    assert wants.wants_for_offer(db.session, oak) == []
    stored.until = None
    buyer.member.status = MemberStatus.suspended
    db.session.commit()
    assert wants.wants_for_offer(db.session, oak) == []


def want_matches(db) -> list[tuple[int, int, int]]:
    db.session.expire_all()
    return sorted((n.user_id, n.params["want_id"], n.params["offer_id"])
                  for n in db.session.scalars(select(Notification)
                                              .where(Notification.kind == "want_match")))


def test_publishing_a_fitting_offer_tells_the_want_once(client, db, seller, buyer, far):
    fits = want(client, buyer, keywords="chêne", title="Chêne pour l'atelier")
    want(client, buyer, keywords="pin", title="Du pin")
    want(client, seller, keywords="chêne", title="Notre propre besoin")
    want(client, far, keywords="chêne", title="Trop loin")  # regional, in Lyon
    draft = make_offer(db, seller, publish=False, title="Planches de chêne")
    assert want_matches(db) == []
    with writes(db, "offers", "want_matches", "notifications", "outbox_emails"):
        response = client.post(f"/api/v1/offers/{draft.id}/publish", headers=seller.headers)
    assert response.status_code == 200
    assert want_matches(db) == [(buyer.user.id, fits["id"], draft.id)]
    note = db.session.scalar(select(Notification).where(Notification.kind == "want_match"))
    assert note.params["want_title"] == "Chêne pour l'atelier"
    assert note.url == f"/offres/{draft.id}"
    # Paused, published again, renewed: still told once.
    for action in ("pause", "publish", "renew"):
        assert client.post(f"/api/v1/offers/{draft.id}/{action}",
                           headers=seller.headers).status_code == 200
    assert want_matches(db) == [(buyer.user.id, fits["id"], draft.id)]


def test_a_want_is_told_once_even_when_its_notifications_are_gone(client, db, seller,
                                                                  buyer):
    fits = want(client, buyer, keywords="chêne")
    offer = make_offer(db, seller, title="Planches de chêne")
    assert len(want_matches(db)) == 1
    db.session.execute(delete(Notification))  # read and cleared by its users, say
    db.session.commit()
    for action in ("pause", "publish"):
        assert client.post(f"/api/v1/offers/{offer.id}/{action}",
                           headers=seller.headers).status_code == 200
    assert want_matches(db) == []
    told = db.session.execute(select(WantMatch.want_id, WantMatch.offer_id)).all()
    assert told == [(fits["id"], offer.id)]


@pytest.mark.postgresql_only
def test_two_publications_at_once_tell_a_want_once(app, db, seller, buyer):
    # The second insert waits for the first transaction, then finds the match recorded.
    fits = Want(member_id=buyer.member.id, title="Du chêne", keywords="chêne")
    offer = make_offer(db, seller, publish=False, title="Planches de chêne")
    db.session.add(fits)
    db.session.commit()
    first, second = Session(db.engine), Session(db.engine)
    outcome = {}
    try:
        assert want_alerts.record_match(first, fits.id, offer.id, now_utc())
        racer = threading.Thread(target=lambda: outcome.update(
            second=want_alerts.record_match(second, fits.id, offer.id, now_utc())))
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # waiting on the first transaction's row
        first.commit()
        racer.join(timeout=10)
        second.commit()
    finally:
        first.close()
        second.close()
    assert outcome == {"second": False}


def test_an_offer_fitting_no_want_tells_nobody(db, seller, buyer):
    make_offer(db, seller, title="Planches de pin")
    assert want_matches(db) == []


def test_the_seller_sees_the_wants_its_offer_could_answer_and_nobody_else_does(
        client, db, seller, buyer, far):
    fits = want(client, buyer, keywords="chêne", budget="20.00")
    want(client, buyer, keywords="chêne", budget="5.00")
    offer = make_offer(db, seller, title="Planches de chêne")
    response = client.get(f"/api/v1/offers/{offer.id}/wants", headers=seller.headers)
    assert response.status_code == 200
    [seen] = response.json["items"]
    assert seen["id"] == fits["id"] and seen["member"]["name"] == "Jardins de l'Adour"
    assert "latitude" not in seen and seen["budget"] == "20.00"
    for caller in (buyer, far):
        assert client.get(f"/api/v1/offers/{offer.id}/wants",
                          headers=caller.headers).status_code == 404
    assert client.get(f"/api/v1/offers/{offer.id}/wants").status_code == 401


def test_the_wants_page_lists_fitting_offers_and_adds_a_want(client, db, seller, buyer):
    make_offer(db, seller, title="Planches de chêne")
    log_in(client, buyer.user)
    page = client.get("/mes-besoins")
    assert page.status_code == 200 and "Nouveau besoin" in page.get_data(as_text=True)
    token = csrf(page.get_data(as_text=True))
    with writes(db, "wants"):
        response = client.post("/mes-besoins", data={
            "csrf_token": token, "title": "Du chêne", "keywords": "chêne", "sector": "",
            "kind": "", "reach": "national", "radius_km": "", "budget": "20",
            "until": "", "latitude": "", "longitude": ""})
    assert response.status_code == 302
    shown = client.get("/mes-besoins").get_data(as_text=True)
    assert "Du chêne" in shown and "Planches de chêne" in shown
    stored = db.session.scalar(select(Want))
    assert stored.budget_minor == 2000 and stored.user_id == buyer.user.id


def test_a_bad_want_form_is_shown_again_and_writes_nothing(client, db, buyer):
    log_in(client, buyer.user)
    token = csrf(client.get("/mes-besoins").get_data(as_text=True))
    with nothing_written(db):
        response = client.post("/mes-besoins", data={
            "csrf_token": token, "title": "Du chêne", "reach": "local", "radius_km": "abc",
            "budget": "douze", "until": "demain"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body and "Du chêne" in body


def test_the_sellers_page_lists_the_wants_each_offer_could_answer(client, db, seller, buyer):
    want(client, buyer, keywords="chêne", title="Chêne pour le hangar")
    make_offer(db, seller, title="Planches de chêne")
    log_in(client, seller.user)
    body = client.get("/mes-offres/besoins").get_data(as_text=True)
    assert "Planches de chêne" in body and "Chêne pour le hangar" in body


def test_matching_offers_pages_through_with_a_cursor(client, db, seller, buyer):
    for n in range(5):
        make_offer(db, seller, title=f"Chêne {n}")
    made = want(client, buyer, keywords="chêne")
    first = client.get(f"/api/v1/wants/{made['id']}/offers?limit=3", headers=buyer.headers)
    cursor = first.json["next_cursor"]
    second = client.get(f"/api/v1/wants/{made['id']}/offers?limit=3&cursor={cursor}",
                        headers=buyer.headers)
    titles = [o["title"] for o in first.json["items"] + second.json["items"]]
    assert titles == [f"Chêne {n}" for n in range(4, -1, -1)]
    assert second.json["next_cursor"] is None


def test_a_want_expired_by_date_stays_its_members_but_is_not_told(db, seller, buyer):
    data = {"title": "Chêne", "keywords": "chêne", "until": now_utc() + timedelta(days=1)}
    stored = wants.create_want(db.session, buyer.member, buyer.user.id, data)
    db.session.commit()
    offer = make_offer(db, seller, publish=False, title="Planches de chêne")
    services.transition(db.session, offer, "publish", now=now_utc() + timedelta(days=2))
    db.session.commit()
    assert want_matches(db) == []
    assert db.session.get(Want, stored.id) is not None


def csrf(page: str) -> str:
    from tests.integration.auth_helpers import CSRF_INPUT

    return CSRF_INPUT.search(page).group(1)
