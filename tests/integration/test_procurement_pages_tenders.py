"""A buyer writes a tender and its lots on the pages, then publishes or cancels it: refused
forms say why next to the field and write nothing, publishing tells the first batch of
structures, another buyer finds nothing, and every POST needs its CSRF token."""

import html as htmllib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from market.auth.roles import Role
from market.members.models import LegalForm, Member, MemberStatus
from market.notifications.models import Notification
from market.platform.time import now_utc
from market.procurement.models import Lot, Tender, TenderStatus
from market.procurement.outreach_models import LotOpportunity
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_member, make_user
from tests.integration.procurement_factories import make_buyer, make_lot, make_structure

TENDER_TABLES = ("tenders", "tender_documents")
LOT_TABLES = ("lots", "lot_cpv_codes", "lot_criteria")


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def token(client, path: str = "/marches/nouveau") -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def in_a_month() -> str:
    return (now_utc() + timedelta(days=30)).date().isoformat()


def tender_form(csrf: str | None, **overrides) -> dict:
    form = {"title": "Entretien des espaces verts", "reference": "2026-ESP-017",
            "description": "Parcs et jardins.", "procedure": "open", "published_on": "",
            "deadline_date": in_a_month(), "deadline_time": "12:00",
            "documents.0.title": "Règlement de consultation",
            "documents.0.url": "https://example.org/rc.pdf",
            "documents.1.title": "", "documents.1.url": "", **overrides}
    if csrf is not None:
        form["csrf_token"] = csrf
    return form


def lot_form(csrf: str | None, **overrides) -> dict:
    form = {"title": "Tonte des parcs", "lot_id": "", "description": "",
            "cpv_main": "77310000", "cpv_additional": "77313000",
            "estimated_value": "60 000", "place.postcode": "17000",
            "place.city": "La Rochelle", "place.department": "", "place.nuts": "",
            "place.latitude": "", "place.longitude": "", "duration_days": "365",
            "reservation": "siae", "insertion_hours": "500",
            "criteria.0.kind": "price", "criteria.0.name": "Prix", "criteria.0.weight": "40",
            "criteria.1.kind": "quality", "criteria.1.name": "Valeur technique",
            "criteria.1.weight": "40",
            "criteria.2.kind": "social", "criteria.2.name": "Insertion",
            "criteria.2.weight": "20", **overrides}
    if csrf is not None:
        form["csrf_token"] = csrf
    return form


def field_errors(page: str, field: str) -> list[str]:
    """The messages the page shows next to ``field`` (by the form's ids)."""
    fid = "f-" + field.replace(".", "-")
    return re.findall(rf'id="{re.escape(fid)}-error-\d+" role="alert">([^<]*)<', page)


@pytest.fixture
def world(db):
    buyer = make_buyer(db, 80)
    other = make_buyer(db, 81, "Département de la Gironde")
    aci = make_structure(db, 82, "Jardins de l'Aunis")
    return {"buyer": buyer, "other": other, "aci": aci}


def new_tender(client, db, buyer, **overrides) -> Tender:
    log_in(client, buyer.user)
    response = client.post("/marches/nouveau", data=tender_form(token(client), **overrides))
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    return db.session.scalars(select(Tender).order_by(Tender.id.desc())).first()


def add_lot(client, db, tender, **overrides):
    path = f"/marches/{tender.id}/lots/nouveau"
    return client.post(path, data=lot_form(token(client, path), **overrides))


# -- the tender ------------------------------------------------------------------------------

def test_buyers_find_the_tender_form_from_the_list_and_others_do_not(client, world):
    assert "Rédiger un appel d'offres" not in text(client.get("/marches"))
    anonymous = client.get("/marches/nouveau")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    log_in(client, world["aci"].user)
    assert "Rédiger un appel d'offres" not in text(client.get("/marches"))
    assert client.get("/marches/nouveau").status_code == 403
    log_in(client, world["buyer"].user)
    assert "Rédiger un appel d'offres" in text(client.get("/marches"))
    page = client.get("/marches/nouveau")
    assert page.status_code == 200 and "Procédure ouverte" in text(page)


def test_a_buyer_writes_a_draft_tender_its_deadline_a_paris_hour_stored_in_utc(client, db,
                                                                              world):
    log_in(client, world["buyer"].user)
    csrf = token(client)
    with writes(db, *TENDER_TABLES):
        response = client.post("/marches/nouveau", data=tender_form(
            csrf, deadline_date="2030-06-14", deadline_time="17:30"))
    assert response.status_code == 302
    tender = db.session.scalars(select(Tender)).one()
    assert response.headers["Location"].endswith(f"/marches/{tender.id}")
    assert tender.status == TenderStatus.draft and tender.buyer_id == world["buyer"].member.id
    assert tender.deadline == datetime(2030, 6, 14, 15, 30, tzinfo=UTC)  # summer: UTC+2
    assert tender.procedure == "open" and tender.reference == "2026-ESP-017"
    assert [(d.title, d.url) for d in tender.documents] == [
        ("Règlement de consultation", "https://example.org/rc.pdf")]
    page = text(client.get(f"/marches/{tender.id}"))
    assert "Procédure ouverte" in page and "Brouillon enregistré" in page
    assert "Ajouter un lot" in page and "Publier" in page


def test_a_refused_tender_form_says_why_next_to_each_field_keeps_the_values_and_writes_nothing(
        client, db, world):
    log_in(client, world["buyer"].user)
    csrf = token(client)
    with nothing_written(db):
        response = client.post("/marches/nouveau", data=tender_form(
            csrf, title="Ab", procedure="auction", deadline_date="2030-02-30",
            **{"documents.1.title": "Cahier des charges", "documents.1.url": "ftp://x"}))
    assert response.status_code == 422
    page = text(response)
    assert field_errors(page, "title") == ["Au moins 3 caractères."]
    assert field_errors(page, "procedure") == ["Procédure inconnue."]
    assert field_errors(page, "deadline") and field_errors(page, "documents.1.url")
    assert not field_errors(page, "documents.0.url")
    assert 'value="Cahier des charges"' in page and 'value="2026-ESP-017"' in page


@pytest.mark.parametrize("hostile", [
    {"deadline_date": "0001-01-01", "deadline_time": "00:00"},
    {"deadline_date": "2030-01-01", "deadline_time": ""},
    {"published_on": "demain"},
    {"title": "Marché\x07sonnant"},
    {"reference": "x" * 200},
    {"documents.49.title": "Loin", "documents.49.url": "javascript:alert(1)"},
])
def test_hostile_tender_fields_are_refused_with_a_422_and_nothing_written(client, db, world,
                                                                         hostile):
    log_in(client, world["buyer"].user)
    csrf = token(client)
    with nothing_written(db):
        response = client.post("/marches/nouveau", data=tender_form(csrf, **hostile))
    assert response.status_code == 422, hostile
    assert "L'appel d'offres n'est pas enregistré" in text(response)


def test_a_buyer_for_several_members_chooses_the_one_it_writes_for(client, db):
    first = make_member(db, name="Ville de Rochefort", n=84, legal_form=LegalForm.public_body)
    second = make_member(db, name="Département", n=85, legal_form=LegalForm.public_body)
    user = make_user(db, "achats@example.org", [(Role.buyer, first.id), (Role.buyer, second.id)])
    log_in(client, user)
    page = text(client.get("/marches/nouveau"))
    assert 'name="member"' in page and "Ville de Rochefort" in page
    csrf = token(client)
    with nothing_written(db):
        response = client.post("/marches/nouveau", data=tender_form(csrf))
    assert response.status_code == 422 and field_errors(text(response), "member")
    response = client.post("/marches/nouveau", data=tender_form(csrf, member=str(second.id)))
    assert response.status_code == 302
    assert db.session.scalars(select(Tender)).one().buyer_id == second.id


def test_a_draft_is_changed_from_its_form_which_shows_what_is_stored(client, db, world):
    tender = new_tender(client, db, world["buyer"], deadline_date="2030-12-01",
                        deadline_time="09:15")
    path = f"/marches/{tender.id}/modifier"
    page = text(client.get(path))
    assert 'value="2030-12-01"' in page and 'value="09:15"' in page  # Paris, not UTC
    assert 'value="https://example.org/rc.pdf"' in page
    form = tender_form(token(client, path), title="Espaces verts et cimetières",
                       deadline_date="2030-12-01", deadline_time="09:15",
                       **{"documents.0.title": "", "documents.0.url": ""})
    response = client.post(path, data=form)
    assert response.status_code == 302
    db.session.expire_all()
    tender = db.session.get(Tender, tender.id)
    assert tender.title == "Espaces verts et cimetières" and tender.documents == []
    assert tender.deadline == datetime(2030, 12, 1, 8, 15, tzinfo=UTC)  # winter: UTC+1


# -- its lots --------------------------------------------------------------------------------

def test_a_lot_is_added_with_its_codes_value_place_and_criteria(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    with writes(db, *LOT_TABLES):
        response = add_lot(client, db, tender)
    assert response.status_code == 302, text(response)
    lot = db.session.scalars(select(Lot)).one()
    assert lot.lot_id == "LOT-0001" and lot.cpv_codes == ["77310000", "77313000"]
    assert lot.estimated_value_minor == 6_000_000 and lot.currency == "EUR"
    assert lot.department == "17" and lot.latitude is not None
    assert lot.reservation == "siae" and lot.insertion_hours == 500
    assert [(c.kind, int(c.weight)) for c in lot.criteria] == [
        ("price", 40), ("quality", 40), ("social", 20)]
    edit = text(client.get(f"/lots/{lot.id}/modifier"))
    assert "Planting and maintenance services of green areas" in edit  # the saved code's label
    assert 'value="60000.00"' in edit and 'value="40"' in edit
    assert 'name="place.latitude" value=""' in edit  # found from the department, not typed


def test_an_unknown_cpv_code_is_refused_naming_it_next_to_its_field_writing_nothing(
        client, db, world):
    tender = new_tender(client, db, world["buyer"])
    with nothing_written(db):
        response = add_lot(client, db, tender, cpv_main="77310000",
                           cpv_additional="77313000\n99999999")
    assert response.status_code == 422
    page = text(response)
    assert any("99999999" in m for m in field_errors(page, "cpv_additional"))
    assert not field_errors(page, "cpv_main")
    assert "99999999" in page and 'value="Tonte des parcs"' in page
    with nothing_written(db):
        response = add_lot(client, db, tender, cpv_main="7731")
    assert response.status_code == 422 and any(
        "mal formé" in m for m in field_errors(text(response), "cpv_main"))


def test_a_lot_without_a_place_is_refused_and_writes_nothing(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    with nothing_written(db):
        response = add_lot(client, db, tender, **{"place.postcode": "", "place.city": ""})
    assert response.status_code == 422
    assert any("Lot sans lieu d'exécution" in m for m in field_errors(text(response), "place"))


@pytest.mark.parametrize("wrong, field", [
    ({"criteria.2.weight": "30"}, "criteria"),  # 110 in all
    ({"criteria.1.weight": ""}, "criteria"),  # weighed, but not every one
    ({"criteria.1.weight": "40,5"}, "criteria"),  # a decimal comma: 100.5 in all
    ({"criteria.1.weight": "-3"}, "criteria.1.weight"),
    ({"criteria.3.name": "Délais"}, "criteria.3.kind"),  # a row without its kind
    ({"estimated_value": "1e9"}, "estimated_value"),
    ({"duration_days": "99999999999999999999"}, "duration_days"),
    ({"insertion_hours": "2147483648"}, "insertion_hours"),
    ({"reservation": "nobody"}, "reservation"),
    ({"place.postcode": "99999"}, "place.postcode"),
    ({"place.department": "<script>"}, "place.department"),
    ({"place.latitude": "46,16"}, "place.latitude"),  # without its longitude
    ({"lot_id": "LOT 1"}, "lot_id"),
])
def test_a_refused_lot_shows_the_message_next_to_its_field_and_writes_nothing(
        client, db, world, wrong, field):
    tender = new_tender(client, db, world["buyer"])
    with nothing_written(db):
        response = add_lot(client, db, tender, **wrong)
    assert response.status_code == 422, wrong
    assert field_errors(text(response), field), (wrong, text(response))


def test_a_draft_lot_is_changed_then_deleted(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    add_lot(client, db, tender)
    lot = db.session.scalars(select(Lot)).one()
    path = f"/lots/{lot.id}/modifier"
    form = lot_form(token(client, path), title="Tonte et taille", lot_id="LOT-0001",
                    cpv_additional="", reservation="none",
                    **{"criteria.0.weight": "", "criteria.1.weight": "",
                       "criteria.2.weight": ""})
    assert client.post(path, data=form).status_code == 302
    db.session.expire_all()
    lot = db.session.get(Lot, lot.id)
    assert lot.title == "Tonte et taille" and lot.cpv_codes == ["77310000"]
    assert lot.reservation == "none" and [c.weight for c in lot.criteria] == [None] * 3
    with writes(db, *LOT_TABLES):
        response = client.post(f"/lots/{lot.id}/supprimer", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert db.session.scalars(select(Lot)).all() == []


# -- publish, cancel -------------------------------------------------------------------------

def test_publishing_from_the_page_tells_the_first_batch_of_structures_in_reach(client, db,
                                                                               world):
    tender = new_tender(client, db, world["buyer"])
    add_lot(client, db, tender)
    response = client.post(f"/marches/{tender.id}/publier", data={"csrf_token": token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    tender = db.session.get(Tender, tender.id)
    assert tender.status == TenderStatus.published
    assert [lot.status for lot in tender.lots] == [TenderStatus.published]
    told = db.session.scalars(select(LotOpportunity)
                              .where(LotOpportunity.lot_id == tender.lots[0].id)).all()
    assert [(t.member_id, t.batch) for t in told] == [(world["aci"].member.id, 1)]
    assert told[0].notified_at is not None
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == world["aci"].user.id,
        Notification.kind == "lot_opportunity")).all()
    assert len(notes) == 1 and notes[0].url == f"/opportunites/{tender.lots[0].id}"
    page = text(client.get(f"/marches/{tender.id}"))
    assert "Appel d'offres publié" in page and "Ajouter un lot" not in page


def test_a_tender_that_cannot_be_published_says_why_on_its_page_and_writes_nothing(
        client, db, world):
    tender = new_tender(client, db, world["buyer"], deadline_date="2020-01-01")
    csrf = token(client)
    with nothing_written(db):
        response = client.post(f"/marches/{tender.id}/publier", data={"csrf_token": csrf})
    assert response.status_code == 422
    page = text(response)
    assert 'id="tender-problems"' in page
    assert "Ajoutez au moins un lot avant de publier." in page
    assert "La date limite est passée" in page


def test_a_lot_without_cpv_code_keeps_the_tender_from_being_published_naming_the_lot(
        client, db, world):
    tender = new_tender(client, db, world["buyer"])
    assert add_lot(client, db, tender, cpv_main="", cpv_additional="").status_code == 302
    with nothing_written(db):
        response = client.post(f"/marches/{tender.id}/publier",
                               data={"csrf_token": token(client)})
    assert response.status_code == 422
    assert "Lot LOT-0001 : Donnez au moins un code CPV." in text(response)


def test_a_tender_is_cancelled_with_its_lots_and_can_no_longer_be_written(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    add_lot(client, db, tender)
    response = client.post(f"/marches/{tender.id}/annuler", data={"csrf_token": token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    tender = db.session.get(Tender, tender.id)
    assert tender.status == TenderStatus.cancelled
    assert tender.lots[0].status == TenderStatus.cancelled
    lot_id = tender.lots[0].id
    assert client.get(f"/marches/{tender.id}/modifier").status_code == 409
    assert client.get(f"/lots/{lot_id}/modifier").status_code == 409
    with nothing_written(db):
        again = client.post(f"/marches/{tender.id}/annuler", data={"csrf_token": token(client)})
        gone = client.post(f"/lots/{lot_id}/supprimer", data={"csrf_token": token(client)})
    assert again.status_code == 409 and gone.status_code == 409


# -- who may -------------------------------------------------------------------------------

def test_another_buyer_finds_neither_the_tender_nor_its_lots(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    add_lot(client, db, tender)
    lot = db.session.scalars(select(Lot)).one()
    log_in(client, world["other"].user)
    csrf = token(client)
    assert "Publier" not in text(client.get("/marches"))
    for path in (f"/marches/{tender.id}/modifier", f"/marches/{tender.id}/lots/nouveau",
                 f"/lots/{lot.id}/modifier", "/lots/2147483647/modifier",
                 "/marches/2147483648/modifier"):
        assert client.get(path).status_code == 404, path
    with nothing_written(db):
        for path, form in ((f"/marches/{tender.id}/modifier", tender_form(csrf)),
                           (f"/marches/{tender.id}/lots/nouveau", lot_form(csrf)),
                           (f"/lots/{lot.id}/modifier", lot_form(csrf)),
                           (f"/lots/{lot.id}/supprimer", {"csrf_token": csrf}),
                           (f"/marches/{tender.id}/publier", {"csrf_token": csrf}),
                           (f"/marches/{tender.id}/annuler", {"csrf_token": csrf})):
            assert client.post(path, data=form).status_code == 404, path


def test_a_published_tenders_page_shows_no_writing_buttons_to_others(client, db, world):
    lot = make_lot(db, world["buyer"], status=TenderStatus.draft)
    log_in(client, world["buyer"].user)
    mine = text(client.get(f"/marches/{lot.tender_id}"))
    assert "Modifier le lot LOT-0001" in mine and "Supprimer le lot LOT-0001" in mine
    published = make_lot(db, world["buyer"], title="Nettoyage")
    log_in(client, world["aci"].user)
    page = text(client.get(f"/marches/{published.tender_id}"))
    assert "Annuler l'appel d'offres" not in page and "Ajouter un lot" not in page


def test_a_suspended_buyer_reads_its_draft_but_writes_nothing(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    add_lot(client, db, tender)
    csrf = token(client, f"/marches/{tender.id}")
    db.session.get(Member, world["buyer"].member.id).status = MemberStatus.suspended
    db.session.commit()
    page = client.get(f"/marches/{tender.id}")
    assert page.status_code == 200 and "Ajouter un lot" not in text(page)
    assert client.get("/marches/nouveau").status_code == 403
    with nothing_written(db):
        for path, form in ((f"/marches/{tender.id}/modifier", tender_form(csrf)),
                           (f"/marches/{tender.id}/publier", {"csrf_token": csrf})):
            assert client.post(path, data=form).status_code == 403, path


def test_every_post_needs_its_csrf_token(client, db, world):
    tender = new_tender(client, db, world["buyer"])
    add_lot(client, db, tender)
    lot = db.session.scalars(select(Lot)).one()
    with nothing_written(db):
        for path, form in (("/marches/nouveau", tender_form(None)),
                           (f"/marches/{tender.id}/modifier", tender_form(None)),
                           (f"/marches/{tender.id}/lots/nouveau", lot_form(None)),
                           (f"/lots/{lot.id}/modifier", lot_form(None)),
                           (f"/lots/{lot.id}/supprimer", {}),
                           (f"/marches/{tender.id}/publier", {}),
                           (f"/marches/{tender.id}/annuler", {})):
            assert client.post(path, data=form).status_code == 400, path
