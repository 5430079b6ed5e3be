"""Procurement's pages: the tenders, a tender, a lot with its matches for its buyer only, the
matches' CSV, and the notice import form (CSRF, refused files writing nothing)."""

import html as htmllib
import io

import pytest

from market.offers.models import Favourite
from market.procurement.models import Tender, TenderStatus
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in
from tests.integration.procurement_factories import make_buyer, make_lot, make_structure
from tests.integration.test_procurement_import import FIXTURES, FRENCH


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.fixture
def world(db):
    buyer = make_buyer(db, 60)
    other = make_buyer(db, 61, "Département de la Gironde")
    aci = make_structure(db, 62, "Jardins de l'Aunis")
    lot = make_lot(db, buyer, title="Entretien des parcs")
    draft = make_lot(db, other, title="Nettoyage des collèges", status=TenderStatus.draft)
    return {"buyer": buyer, "other": other, "aci": aci, "lot": lot, "draft": draft}


def test_the_list_shows_published_tenders_and_not_another_buyers_draft(client, world):
    log_in(client, world["buyer"].user)
    page = text(client.get("/marches"))
    assert "Marché : Entretien des parcs" in page
    assert "Nettoyage des collèges" not in page
    assert client.get(f"/marches/{world['draft'].tender_id}").status_code == 404
    log_in(client, world["other"].user)
    assert "Nettoyage des collèges" in text(client.get("/marches?mine=1"))


def test_anyone_reads_a_published_tender_and_its_lot(client, world):
    lot = world["lot"]
    tender = text(client.get(f"/marches/{lot.tender_id}"))
    assert "Entretien des parcs" in tender and "Réservé aux SIAE (L2113-13)" in tender
    page = client.get(f"/lots/{lot.id}")
    assert page.status_code == 200
    assert "77310000" in text(page) and "Qui peut répondre" not in text(page)


def test_the_lots_buyer_sees_its_matches_explained_and_exports_them(client, world):
    lot = world["lot"]
    log_in(client, world["buyer"].user)
    page = text(client.get(f"/lots/{lot.id}"))
    assert "Qui peut répondre" in page
    assert "Jardins de l'Aunis" in page and "Couvre le secteur du lot" in page
    csv = client.get(f"/lots/{lot.id}/correspondances.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "Jardins de l'Aunis" in csv.get_data(as_text=True)


def test_the_buyer_s_favourite_structures_are_marked_on_the_lot_page(client, db, world):
    lot = world["lot"]
    log_in(client, world["buyer"].user)
    assert "★ favori" not in text(client.get(f"/lots/{lot.id}"))
    db.session.add(Favourite(member_id=world["buyer"].member.id,
                             starred_member_id=world["aci"].member.id))
    db.session.commit()
    assert ("Jardins de l'Aunis</a> <span class=\"badge badge-favourite\">★ favori</span>"
            in text(client.get(f"/lots/{lot.id}")))
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert "★ favourite</span>" in text(client.get(f"/lots/{lot.id}"))


def test_the_buyer_stars_a_structure_from_the_matches_and_comes_back_to_the_lot(client, db,
                                                                                world):
    lot, aci = world["lot"], world["aci"]
    log_in(client, world["buyer"].user)
    page = text(client.get(f"/lots/{lot.id}"))
    assert f'action="/favoris/membres/{aci.member.id}"' in page and "Ajouter aux favoris" in page
    csrf = CSRF_INPUT.search(page).group(1)
    response = client.post(f"/favoris/membres/{aci.member.id}", data={
        "csrf_token": csrf, "member": world["buyer"].member.id, "next": f"/lots/{lot.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/lots/{lot.id}")
    page = text(client.get(f"/lots/{lot.id}"))
    assert "★ favori</span>" in page and "Retirer des favoris" in page


def test_a_structure_or_another_buyer_does_not_see_the_matches(client, world):
    lot = world["lot"]
    for who in ("aci", "other"):
        log_in(client, world[who].user)
        assert "Qui peut répondre" not in text(client.get(f"/lots/{lot.id}"))
        assert client.get(f"/lots/{lot.id}/correspondances.csv").status_code == 404


def upload(client, path, token, name=None):
    data = {"file": (io.BytesIO(path.read_bytes()), name or path.name)}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/marches/importer", data=data, content_type="multipart/form-data")


def form_token(client) -> str:
    return CSRF_INPUT.search(client.get("/marches/importer").get_data(as_text=True)).group(1)


def test_a_buyer_imports_a_notice_from_the_form(client, db, world):
    log_in(client, world["buyer"].user)
    response = upload(client, FRENCH, form_token(client))
    assert response.status_code == 302
    tender = db.session.query(Tender).filter(Tender.source == "eforms").one()
    assert response.headers["Location"].endswith(f"/marches/{tender.id}")
    assert tender.buyer_id == world["buyer"].member.id and len(tender.lots) == 2


def test_a_refused_notice_says_why_on_the_page_and_writes_nothing(client, db, world):
    log_in(client, world["buyer"].user)
    token = form_token(client)
    for name in ("eforms-INVALID_cn_24_empty.xml", "xxe.xml", "ocds-invalid.json"):
        path = FIXTURES / name
        with nothing_written(db):
            response = upload(client, path, token)
        assert response.status_code == 422, name
        assert "Ce fichier n'a pas été importé" in text(response)


def test_the_import_form_needs_its_csrf_token_and_a_buyer(client, db, world):
    log_in(client, world["buyer"].user)
    with nothing_written(db):
        assert upload(client, FRENCH, None).status_code == 400
    log_in(client, world["aci"].user)
    assert client.get("/marches/importer").status_code == 403
    anonymous = client.application.test_client().get("/marches/importer")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
