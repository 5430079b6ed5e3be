"""Buyers write tenders over HTTP: a draft and its lots (CPV, place, criteria checked), then
publish or cancel; another buyer's tender is not found, a suspended buyer and a non-buyer
are refused, and every refusal writes nothing."""

from datetime import timedelta

import pytest

from market.auth.models import UserRole
from market.auth.roles import Role
from market.members.models import LegalForm, Member, MemberStatus
from market.platform.time import now_utc
from market.procurement import writing
from market.procurement.models import Lot, Tender, TenderStatus
from market.web.errors import InvalidState
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, make_member, make_user
from tests.integration.procurement_factories import GREEN_CPV, make_buyer, make_lot, make_structure

TENDER_TABLES = ("tenders", "tender_documents")
LOT_TABLES = ("lots", "lot_cpv_codes", "lot_criteria")


def future(days: int = 30) -> str:
    return (now_utc() + timedelta(days=days)).isoformat()


def tender_body(**overrides) -> dict:
    return {"reference": "2026-ESP-017", "title": "Entretien des espaces verts",
            "description": "Parcs et jardins de la ville.", "procedure": "open",
            "deadline": future(), "documents": [{"title": "Règlement de consultation",
                                                 "url": "https://example.org/rc.pdf"}],
            **overrides}


def lot_body(**overrides) -> dict:
    return {"title": "Tonte des parcs", "cpv": ["77310000", "77313000"],
            "estimated_value": "60000.00", "place": {"postcode": "17000",
                                                     "city": "La Rochelle"},
            "duration_days": 365, "reservation": "siae", "insertion_hours": 500,
            "criteria": [{"kind": "price", "name": "Prix", "weight": "40"},
                         {"kind": "quality", "name": "Valeur technique", "weight": "40"},
                         {"kind": "social", "name": "Insertion", "weight": "20"}],
            **overrides}


@pytest.fixture
def buyer(db):
    return make_buyer(db, 70)


def create(client, headers, **overrides):
    return client.post("/api/v1/tenders", json=tender_body(**overrides), headers=headers)


def draft(client, buyer, lots: int = 0) -> dict:
    """A draft tender of ``buyer`` with ``lots`` lots, as the API returns it."""
    response = create(client, buyer.headers)
    assert response.status_code == 201, response.json
    for _n in range(lots):
        added = client.post(f"/api/v1/tenders/{response.json['id']}/lots", json=lot_body(),
                            headers=buyer.headers)
        assert added.status_code == 201, added.json
    return client.get(f"/api/v1/tenders/{response.json['id']}", headers=buyer.headers).json


def test_a_buyer_writes_a_draft_tender_with_its_documents(client, db, buyer):
    with writes(db, *TENDER_TABLES):
        response = create(client, buyer.headers)
    assert response.status_code == 201, response.json
    tender = response.json
    assert tender["status"] == "draft" and tender["source"] == "intercoop"
    assert tender["buyer"]["id"] == buyer.member.id and tender["buyer_name"] == buyer.member.name
    assert tender["reference"] == "2026-ESP-017" and tender["lots"] == []
    assert tender["documents"] == [{"title": "Règlement de consultation",
                                    "url": "https://example.org/rc.pdf"}]
    assert client.get(f"/api/v1/tenders/{tender['id']}").status_code == 404  # a draft


def test_lots_are_numbered_lot_0001_lot_0002_unless_given_and_never_reuse_a_number(client,
                                                                                   buyer):
    tender = draft(client, buyer)
    path = f"/api/v1/tenders/{tender['id']}/lots"
    ids = [client.post(path, json=lot_body(), headers=buyer.headers).json["lot_id"]
           for _n in range(2)]
    assert ids == ["LOT-0001", "LOT-0002"]
    named = client.post(path, json=lot_body(lot_id="LOT-0010"), headers=buyer.headers)
    assert named.status_code == 201 and named.json["lot_id"] == "LOT-0010"
    again = client.post(path, json=lot_body(lot_id="LOT-0010"), headers=buyer.headers)
    assert again.status_code == 422 and "lot_id" in again.json["error"]["details"]["fields"]
    assert client.post(path, json=lot_body(), headers=buyer.headers).json["lot_id"] == "LOT-0011"


def test_a_lot_keeps_its_codes_value_criteria_and_finds_its_department_from_the_postcode(
        client, db, buyer):
    tender = draft(client, buyer)
    with writes(db, *LOT_TABLES):
        response = client.post(f"/api/v1/tenders/{tender['id']}/lots", json=lot_body(),
                               headers=buyer.headers)
    assert response.status_code == 201, response.json
    lot = response.json
    assert lot["status"] == "draft" and lot["lot_id"] == "LOT-0001"
    assert lot["cpv_main"] == "77310000" and lot["cpv_codes"] == ["77310000", "77313000"]
    assert lot["estimated_value"] == "60000.00" and lot["currency"] == "EUR"
    assert lot["place"]["department"] == "17" and lot["place"]["city"] == "La Rochelle"
    assert lot["place"]["latitude"] is not None and lot["place"]["longitude"] is not None
    assert [c["weight"] for c in lot["criteria"]] == ["40.00", "40.00", "20.00"]
    assert lot["reservation"] == "siae" and lot["insertion_hours"] == 500


def test_a_nuts_code_alone_gives_the_department_and_its_centroid(client, buyer):
    tender = draft(client, buyer)
    response = client.post(f"/api/v1/tenders/{tender['id']}/lots",
                           json=lot_body(place={"nuts": "FRI32"}), headers=buyer.headers)
    assert response.status_code == 201, response.json
    place = response.json["place"]
    assert place["nuts"] == "FRI32" and place["department"] == "17" and place["country"] == "FR"
    assert 45 < float(place["latitude"]) < 47 and -2 < float(place["longitude"]) < 0


@pytest.mark.parametrize("body, field, words", [
    (lot_body(cpv=["77310000", "12345678"]), "cpv", "12345678"),
    (lot_body(cpv=["7731"]), "cpv", "7731"),
    (lot_body(place={"city": "La Rochelle"}), "place", "sans lieu"),
    (lot_body(place={}), "place", "sans lieu"),
    (lot_body(criteria=[{"kind": "price", "weight": "60"}, {"kind": "quality",
                                                            "weight": "30"}]),
     "criteria", "100"),
    (lot_body(criteria=[{"kind": "price", "weight": "100"}, {"kind": "quality"}]),
     "criteria", "100"),
    (lot_body(place={"postcode": "17000", "department": "33"}), "place.department", "17000"),
    (lot_body(place={"latitude": "46.16"}), "place.latitude", "longitude"),
], ids=["unknown-cpv", "malformed-cpv", "city-only", "no-place", "weights-90",
        "weights-partial", "postcode-elsewhere", "latitude-alone"])
def test_a_wrong_lot_is_a_422_naming_what_is_wrong_and_writes_nothing(client, db, buyer, body,
                                                                     field, words):
    tender = draft(client, buyer)
    with nothing_written(db):
        response = client.post(f"/api/v1/tenders/{tender['id']}/lots", json=body,
                               headers=buyer.headers)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    messages = response.json["error"]["details"]["fields"][field]
    assert any(words in message for message in messages), messages


@pytest.mark.parametrize("body", [
    lot_body(estimated_value=60000),  # money is never a number
    lot_body(estimated_value="60000.5"),
    lot_body(estimated_value="1" * 40),
    lot_body(place={"latitude": "91", "longitude": "0"}),
    lot_body(place={"nuts": "javascript:"}),
    lot_body(criteria=[{"kind": "price", "weight": 100}]),
    lot_body(criteria=[{"kind": "price", "weight": "101"}]),
    lot_body(criteria=[{"kind": "luck"}]),
    lot_body(reservation="everyone"),
    lot_body(duration_days=2**40),
    lot_body(insertion_hours=-1),
    lot_body(title="x\x00y"),
    lot_body(cpv="77310000"),
    lot_body(lot_id="../../etc"),
    {"title": "Sans lieu du tout"},
])
def test_malformed_lot_fields_are_refused_and_write_nothing(client, db, buyer, body):
    tender = draft(client, buyer)
    with nothing_written(db):
        response = client.post(f"/api/v1/tenders/{tender['id']}/lots", json=body,
                               headers=buyer.headers)
    assert response.status_code == 422, response.json


@pytest.mark.parametrize("documents", [
    [{"title": "Piège", "url": "javascript:alert(1)"}],
    [{"title": "Local", "url": "file:///etc/passwd"}],
    [{"title": "", "url": "https://example.org/a.pdf"}],
    [{"title": "Sans adresse"}],
])
def test_a_document_that_is_not_an_http_link_is_refused(client, db, buyer, documents):
    with nothing_written(db):
        response = create(client, buyer.headers, documents=documents)
    assert response.status_code == 422, response.json
    assert "documents" in response.json["error"]["details"]["fields"]


@pytest.mark.parametrize("overrides", [
    {"deadline": "2026-12-01T12:00:00"},  # no timezone
    {"title": ""}, {"procedure": "OPEN; DROP"}, {"published_on": "hier"}, {"unknown": 1},
])
def test_a_malformed_tender_is_refused_and_writes_nothing(client, db, buyer, overrides):
    with nothing_written(db):
        assert create(client, buyer.headers, **overrides).status_code == 422


def test_a_draft_tender_and_its_lots_are_changed_field_by_field(client, db, buyer):
    tender = draft(client, buyer, lots=1)
    lot = tender["lots"][0]
    response = client.patch(f"/api/v1/tenders/{tender['id']}", headers=buyer.headers,
                            json={"title": "Espaces verts 2027", "documents": []})
    assert response.status_code == 200, response.json
    assert response.json["title"] == "Espaces verts 2027" and response.json["documents"] == []
    assert response.json["reference"] == "2026-ESP-017"  # what the body left out stays
    changed = client.patch(f"/api/v1/lots/{lot['id']}", headers=buyer.headers,
                           json={"cpv": ["90910000"], "estimated_value": None})
    assert changed.status_code == 200, changed.json
    assert changed.json["cpv_codes"] == ["90910000"] and changed.json["estimated_value"] is None
    assert changed.json["place"] == lot["place"] and changed.json["criteria"] == lot["criteria"]
    moved = client.patch(f"/api/v1/lots/{lot['id']}", headers=buyer.headers,
                         json={"place": {"nuts": "FRI15"}})
    assert moved.json["place"]["department"] == "64" and moved.json["place"]["postcode"] == ""
    with nothing_written(db):
        wrong = client.patch(f"/api/v1/lots/{lot['id']}", headers=buyer.headers,
                             json={"cpv": ["99999999"]})
    assert wrong.status_code == 422 and "99999999" in wrong.json["error"]["details"][
        "fields"]["cpv"][0]


def test_a_draft_lot_is_deleted_and_a_published_one_is_not(client, db, buyer):
    tender = draft(client, buyer, lots=2)
    first, second = tender["lots"]
    with writes(db, *LOT_TABLES):
        assert client.delete(f"/api/v1/lots/{first['id']}",
                             headers=buyer.headers).status_code == 204
    assert client.post(f"/api/v1/tenders/{tender['id']}/publish",
                       headers=buyer.headers).status_code == 200
    with nothing_written(db):
        refused = client.delete(f"/api/v1/lots/{second['id']}", headers=buyer.headers)
        assert refused.status_code == 409 and refused.json["error"]["code"] == "invalid_state"
        assert client.patch(f"/api/v1/lots/{second['id']}", json={"title": "Autre titre"},
                            headers=buyer.headers).status_code == 409
        assert client.patch(f"/api/v1/tenders/{tender['id']}", json={"title": "Autre titre"},
                            headers=buyer.headers).status_code == 409
        assert client.post(f"/api/v1/tenders/{tender['id']}/lots", json=lot_body(),
                           headers=buyer.headers).status_code == 409


def test_publishing_publishes_every_lot_and_makes_the_tender_public(client, db, buyer):
    tender = draft(client, buyer, lots=2)
    response = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=buyer.headers)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "published" and response.json["published_on"]
    assert {lot["status"] for lot in response.json["lots"]} == {"published"}
    assert client.get(f"/api/v1/tenders/{tender['id']}").status_code == 200  # public now
    again = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=buyer.headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_state"


def test_a_tender_without_lots_or_with_a_past_deadline_is_not_published(client, db, buyer):
    empty = draft(client, buyer)
    late = draft(client, buyer, lots=1)
    client.patch(f"/api/v1/tenders/{late['id']}", headers=buyer.headers,
                 json={"deadline": (now_utc() - timedelta(hours=1)).isoformat()})
    with nothing_written(db):
        response = client.post(f"/api/v1/tenders/{empty['id']}/publish", headers=buyer.headers)
        assert response.status_code == 422 and "lots" in response.json["error"]["details"][
            "fields"]
        response = client.post(f"/api/v1/tenders/{late['id']}/publish", headers=buyer.headers)
        assert response.status_code == 422 and "deadline" in response.json["error"]["details"][
            "fields"]


def test_a_lot_without_a_cpv_code_is_written_but_not_published(client, db, buyer):
    tender = draft(client, buyer)
    added = client.post(f"/api/v1/tenders/{tender['id']}/lots", json=lot_body(cpv=[]),
                        headers=buyer.headers)
    assert added.status_code == 201 and added.json["cpv_codes"] == []
    with nothing_written(db):
        response = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=buyer.headers)
    assert response.status_code == 422
    assert "lots.LOT-0001.cpv" in response.json["error"]["details"]["fields"]


def test_a_draft_or_published_tender_is_cancelled_with_its_lots_and_only_once(client, db,
                                                                             buyer):
    for publish in (False, True):
        tender = draft(client, buyer, lots=1)
        if publish:
            client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=buyer.headers)
        response = client.post(f"/api/v1/tenders/{tender['id']}/cancel", headers=buyer.headers)
        assert response.status_code == 200, response.json
        assert response.json["status"] == "cancelled"
        assert {lot["status"] for lot in response.json["lots"]} == {"cancelled"}
        with nothing_written(db):
            for action in ("cancel", "publish"):
                assert client.post(f"/api/v1/tenders/{tender['id']}/{action}",
                                   headers=buyer.headers).status_code == 409


STATUSES = [s.value for s in TenderStatus]
ACTIONS = ["publish", "cancel", "close"]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_transitions_table_is_all_a_tender_may_do(db, buyer, status, action):
    # A tender that may be closed (deadline passed) or published (deadline ahead).
    lot = make_lot(db, buyer, status=status, deadline_days=-1 if action == "close" else 30)
    tender = lot.tender
    expected = writing.TENDER_TRANSITIONS.get((TenderStatus(status), action))
    if expected is None:
        with pytest.raises(InvalidState):
            writing.transition(db.session, tender, action)
        return
    writing.transition(db.session, tender, action)
    assert tender.status == expected and lot.status == expected


def test_a_tender_is_not_closed_before_its_deadline(db, buyer):
    tender = make_lot(db, buyer, deadline_days=2).tender
    with pytest.raises(InvalidState):
        writing.transition(db.session, tender, "close")
    assert tender.status == "published"


def test_another_buyer_finds_none_of_a_buyer_s_tenders_and_changes_nothing(client, db, buyer):
    tender = draft(client, buyer, lots=1)
    lot = tender["lots"][0]
    other = make_buyer(db, 71, "Ville de Niort")
    for status in ("draft", "published"):
        with nothing_written(db):
            for method, path, body in [
                    ("PATCH", f"/api/v1/tenders/{tender['id']}", {"title": "Volé"}),
                    ("POST", f"/api/v1/tenders/{tender['id']}/lots", lot_body()),
                    ("PATCH", f"/api/v1/lots/{lot['id']}", {"title": "Volé"}),
                    ("DELETE", f"/api/v1/lots/{lot['id']}", None),
                    ("POST", f"/api/v1/tenders/{tender['id']}/publish", None),
                    ("POST", f"/api/v1/tenders/{tender['id']}/cancel", None),
                    ("PATCH", "/api/v1/tenders/999999", {"title": "Rien"}),
                    ("DELETE", f"/api/v1/lots/{2**40}", None),
                    ("POST", f"/api/v1/tenders/{2**31}/publish", None)]:
                response = client.open(path, method=method, json=body, headers=other.headers)
                assert response.status_code == 404, (status, method, path, response.json)
        if status == "draft":
            assert client.post(f"/api/v1/tenders/{tender['id']}/publish",
                               headers=buyer.headers).status_code == 200


def test_a_suspended_buyer_reads_its_tender_but_writes_nothing(client, db, buyer):
    tender = draft(client, buyer, lots=1)
    member = db.session.get(Member, buyer.member.id)
    member.status = MemberStatus.suspended
    db.session.commit()
    assert client.get(f"/api/v1/tenders/{tender['id']}", headers=buyer.headers).status_code == 200
    with nothing_written(db):
        for method, path, body in [
                ("POST", "/api/v1/tenders", tender_body()),
                ("PATCH", f"/api/v1/tenders/{tender['id']}", {"title": "Suspendu"}),
                ("POST", f"/api/v1/tenders/{tender['id']}/lots", lot_body()),
                ("DELETE", f"/api/v1/lots/{tender['lots'][0]['id']}", None),
                ("POST", f"/api/v1/tenders/{tender['id']}/publish", None)]:
            response = client.open(path, method=method, json=body, headers=buyer.headers)
            assert response.status_code == 403, (method, path, response.json)


def test_a_buyer_of_an_active_and_a_suspended_member_cannot_write_the_suspended_ones(
        client, db, buyer):
    tender = draft(client, buyer, lots=1)
    other = make_member(db, name="Ville suspendue", n=72, legal_form=LegalForm.public_body)
    user = db.session.get(type(buyer.user), buyer.user.id)
    user.roles[0].member_id = other.id  # the user now buys for ``other`` ...
    user.roles.append(UserRole(role=Role.buyer, member_id=buyer.member.id))  # ... and for us
    db.session.get(Member, buyer.member.id).status = MemberStatus.suspended
    db.session.commit()
    with nothing_written(db):
        response = client.patch(f"/api/v1/tenders/{tender['id']}", json={"title": "Non"},
                                headers=buyer.headers)
    assert response.status_code == 403, response.json


def test_a_user_who_is_not_a_buyer_writes_no_tender(client, db, buyer):
    tender = draft(client, buyer, lots=1)
    structure = make_structure(db, 73, "Jardins de l'Aunis")
    with nothing_written(db):
        for method, path, body in [
                ("POST", "/api/v1/tenders", tender_body()),
                ("PATCH", f"/api/v1/tenders/{tender['id']}", {"title": "Non"}),
                ("POST", f"/api/v1/tenders/{tender['id']}/publish", None)]:
            response = client.open(path, method=method, json=body, headers=structure.headers)
            assert response.status_code == 403, (method, path, response.json)
            assert client.open(path, method=method, json=body).status_code == 401


def test_a_buyer_for_several_members_names_the_one_it_writes_for(client, db):
    first = make_member(db, name="Ville de Rochefort", n=74, legal_form=LegalForm.public_body)
    second = make_member(db, name="Département", n=75, legal_form=LegalForm.public_body)
    stranger = make_member(db, name="Ville voisine", n=76, legal_form=LegalForm.public_body)
    user = make_user(db, "achats@example.org", [(Role.buyer, first.id), (Role.buyer, second.id)])
    headers = bearer(db, user)
    with nothing_written(db):
        assert create(client, headers).status_code == 422  # which one?
        assert client.post(f"/api/v1/tenders?member={stranger.id}", json=tender_body(),
                           headers=headers).status_code == 403
    response = client.post(f"/api/v1/tenders?member={second.id}", json=tender_body(),
                           headers=headers)
    assert response.status_code == 201 and response.json["buyer"]["id"] == second.id
    assert db.session.get(Tender, response.json["id"]).buyer_id == second.id


def test_an_imported_lot_keeps_its_green_space_code_when_changed_here(client, db, buyer):
    lot = make_lot(db, buyer, status=TenderStatus.draft)
    response = client.patch(f"/api/v1/lots/{lot.id}", json={"title": "Tonte et taille"},
                            headers=buyer.headers)
    assert response.status_code == 200, response.json
    assert response.json["cpv_codes"] == [GREEN_CPV] and response.json["place"]["nuts"] == "FRI32"
    assert db.session.get(Lot, lot.id).title == "Tonte et taille"
