"""The inclusive catalogue's pages: the form previews the rotation and places the purchase
(CSRF, refusals on the page writing nothing), the buyer's purchases, and a purchase page
for its buyer, its supplier and network admins only, with the proof anyone can re-run."""

import contextlib
import html as htmllib
import io
import re

import pytest

from market.auth.models import UserRole
from market.auth.roles import Role
from market.members.models import LegalForm, MemberStatus
from market.orders.models import Order
from market.procurement.contract_models import CataloguePurchase
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_member, make_user
from tests.integration.procurement_factories import GREEN, make_buyer
from tests.integration.test_procurement_catalogue import (
    BAYONNE,
    NEED,
    PURCHASE_TABLES,
    past_purchase,
    structure,
)

#: The need as the preview's query sends it.
QUERY = {"sector": GREEN, "department": "17", "quantity": "10"}


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def token(client) -> str:
    """The CSRF token of the catalogue's form page."""
    return CSRF_INPUT.search(client.get("/catalogue").get_data(as_text=True)).group(1)


def order(client, csrf: str | None, **changes):
    """Send the order form (the need as its hidden fields carry it)."""
    data = {**QUERY, "note": "", **changes}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/catalogue", data=data)


@pytest.fixture
def buyer(db):
    return make_buyer(db, 60, funds={"EUR": "5000.00"})


@pytest.fixture
def placed(client, db, buyer):
    """A purchase given to the least served of two structures, and both structures."""
    served = structure(db, 1, "Jardins de l'Aunis")
    fresh = structure(db, 2, "Terres de Ré")
    past_purchase(db, buyer, served, 900)
    log_in(client, buyer.user)
    response = order(client, token(client), note="Parc Charruyer")
    assert response.status_code == 302, text(response)
    row = db.session.query(CataloguePurchase).order_by(CataloguePurchase.id.desc()).first()
    return {"row": row, "served": served, "fresh": fresh, "location": response.location}


def test_the_form_states_the_threshold_and_groups_the_sectors(client, db, buyer):
    log_in(client, buyer.user)
    response = client.get("/catalogue")
    assert response.status_code == 200
    page = text(response)
    assert "40 000,00 EUR" in page and '<optgroup label="Espaces verts & environnement">' in page
    assert '<option value="17">17 — Charente-Maritime</option>' in page
    assert "Structures éligibles" not in page and 'method="post"' not in page.split("<main")[1]


def test_a_buyer_previews_the_eligible_structures_least_served_first(client, db, buyer):
    served = structure(db, 1, "Jardins de l'Aunis")
    structure(db, 2, "Terres de Ré")
    past_purchase(db, buyer, served, 900)
    log_in(client, buyer.user)
    with nothing_written(db):
        response = client.get("/catalogue", query_string=QUERY)
    assert response.status_code == 200, text(response)
    page = text(response)
    assert page.index("Terres de Ré") < page.index("Jardins de l'Aunis")
    assert "Tonte : Terres de Ré" in page and "30,00 EUR / heure" in page
    assert "300,00 EUR" in page and "900,00 EUR" in page
    assert "Terres de Ré a reçu le moins du catalogue" in page
    assert "Passer la commande" in page and 'name="csrf_token"' in page


def test_a_tie_is_announced_as_drawn_by_the_seed(client, db, buyer):
    for n in (1, 2, 3):
        structure(db, n, f"Structure {n}")
    log_in(client, buyer.user)
    page = text(client.get("/catalogue", query_string=QUERY))
    assert "3 structures ont reçu le moins du catalogue" in page
    assert page.count("Parmi les moins servies") == 3


def test_a_postcode_gives_the_department_of_the_preview(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    log_in(client, buyer.user)
    response = client.get("/catalogue", query_string={**QUERY, "department": "",
                                                      "postcode": "17300"})
    assert response.status_code == 200, text(response)
    assert '<input type="hidden" name="department" value="17">' in text(response)


def test_a_buyer_places_the_order_and_lands_on_its_purchase_page(client, db, buyer):
    served = structure(db, 1, "Jardins de l'Aunis")
    fresh = structure(db, 2, "Terres de Ré")
    past_purchase(db, buyer, served, 900)
    log_in(client, buyer.user)
    csrf = token(client)
    with writes(db, *PURCHASE_TABLES):
        response = order(client, csrf, note="Parc Charruyer")
    assert response.status_code == 302
    row = db.session.query(CataloguePurchase).order_by(CataloguePurchase.id.desc()).first()
    assert response.location.endswith(f"/catalogue/achats/{row.id}")
    assert row.supplier_id == fresh.member.id and row.value_minor == 30_000
    assert db.session.get(Order, row.order_id).note == "Parc Charruyer"
    page = text(client.get(response.location))
    assert "Commande envoyée à Terres de Ré" in page
    assert "Vérifié" in page and "Non vérifié" not in page and row.seed in page
    assert f'href="/commandes/{row.order_id}"' in page
    assert "Parmi 2 structures éligibles, c'est celle que le catalogue avait le moins" in page


def test_the_order_form_needs_its_csrf_token(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    log_in(client, buyer.user)
    with nothing_written(db):
        response = order(client, None)
    assert response.status_code == 400


def test_a_purchase_above_the_threshold_is_refused_on_the_page_and_writes_nothing(client, db,
                                                                                  buyer):
    structure(db, 1, "Jardins de l'Aunis", price="5000.00")  # 10 hours: 50,000 EUR
    log_in(client, buyer.user)
    message = "Achat de 50 000,00 EUR : au-delà de 40 000,00 EUR, passez par un appel d'offres."
    with nothing_written(db):
        preview = client.get("/catalogue", query_string=QUERY)
    assert preview.status_code == 422 and message in text(preview)
    assert "Passer la commande" not in text(preview)
    csrf = token(client)
    with nothing_written(db):
        response = order(client, csrf)
    assert response.status_code == 422 and message in text(response)
    assert 'id="catalogue-problem"' in text(response)


def test_no_candidate_is_said_on_the_page_and_writes_nothing(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    log_in(client, buyer.user)
    csrf = token(client)
    for response in (client.get("/catalogue", query_string={**QUERY, "department": "2A"}),
                     order(client, csrf, department="2A")):
        assert response.status_code == 422
        assert "Aucune structure inclusive ne propose ce secteur" in text(response)
    assert db.session.query(CataloguePurchase).count() == 0


@pytest.mark.parametrize("changes, field", [
    ({"sector": "no.such.sector"}, "sector"),
    ({"sector": "x" * 33}, "sector"),
    ({"sector": ""}, "sector"),
    ({"department": "99"}, "department"),
    ({"department": "<script>alert(1)</script>"}, "department"),
    ({"department": "", "postcode": ""}, "department"),
    ({"department": "17", "postcode": "64100"}, "postcode"),
    ({"postcode": "17 000"}, "postcode"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "ten"}, "quantity"),
    ({"quantity": "1.5"}, "quantity"),
    ({"quantity": str(2**31)}, "quantity"),
    ({"quantity": "9" * 40}, "quantity"),
    ({"quantity": ""}, "quantity"),
])
def test_a_bad_field_is_shown_at_the_field_and_writes_nothing(client, db, buyer, changes,
                                                               field):
    structure(db, 1, "Jardins de l'Aunis")
    log_in(client, buyer.user)
    csrf = token(client)
    with nothing_written(db):
        responses = [client.get("/catalogue", query_string={**QUERY, **changes}),
                     order(client, csrf, **changes)]
    for response in responses:
        assert response.status_code == 422
        raw = response.get_data(as_text=True)
        assert f'id="catalogue-{field}-error-1"' in raw
        assert f'aria-describedby="catalogue-{field}-error-1"' in raw or \
            f'catalogue-{field}-help catalogue-{field}-error-1' in raw
        assert "<script>alert" not in raw
        assert "Passer la commande</button>" not in raw


def test_a_note_too_long_is_shown_at_the_note_and_writes_nothing(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    log_in(client, buyer.user)
    csrf = token(client)
    with nothing_written(db):
        response = order(client, csrf, note="x" * 2001)
    assert response.status_code == 422
    raw = response.get_data(as_text=True)
    assert 'id="catalogue-note-error-1"' in raw and 'aria-invalid="true"' in raw
    assert "Jardins de l&#39;Aunis" in raw  # the preview stays, to send the form again


def test_a_failing_order_is_said_on_the_page_and_writes_nothing(client, db):
    structure(db, 1, "Jardins de l'Aunis")
    body = make_member(db, name="Commune sans compte", n=62, legal_form=LegalForm.public_body)
    user = make_user(db, "mairie@example.org", [(Role.buyer, body.id)])
    log_in(client, user)
    csrf = token(client)
    with nothing_written(db):
        response = order(client, csrf)
    assert response.status_code == 422
    assert 'id="catalogue-problem"' in response.get_data(as_text=True)


def test_a_buyer_of_two_bodies_chooses_which_one_buys(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    other = make_buyer(db, 61, "Ville de Rochefort", funds={"EUR": "5000.00"})
    buyer.user.roles.append(UserRole(role=Role.buyer, member_id=other.member.id))
    db.session.commit()
    log_in(client, buyer.user)
    page = text(client.get("/catalogue", query_string=QUERY))
    assert 'id="catalogue-member"' in page and "Ville de Rochefort" in page
    csrf = token(client)
    with nothing_written(db):
        refused = order(client, csrf)
    assert refused.status_code == 422 and "plusieurs structures" in text(refused)
    with nothing_written(db):
        assert order(client, csrf, member=str(62 * 10**6)).status_code == 403
    assert order(client, csrf, member=str(other.member.id)).status_code == 302
    assert db.session.query(CataloguePurchase).one().buyer_id == other.member.id


def test_a_suspended_buyer_previews_but_does_not_order(client, db, buyer):
    structure(db, 1, "Jardins de l'Aunis")
    buyer.member.status = MemberStatus.suspended
    db.session.commit()
    log_in(client, buyer.user)
    page = client.get("/catalogue", query_string=QUERY)
    assert page.status_code == 200 and "Jardins de l'Aunis" in text(page)
    assert "Passer la commande</button>" not in text(page)
    assert "elle est suspendue" in text(page)
    with nothing_written(db):
        assert order(client, token(client)).status_code == 403


def test_only_buyers_open_the_catalogue_and_see_its_link(client, db, buyer):
    trader = structure(db, 1, "Jardins de l'Aunis")
    assert client.get("/catalogue").status_code == 302  # to the sign-in page
    log_in(client, trader.user)
    assert client.get("/catalogue").status_code == 403
    assert client.get("/catalogue/achats").status_code == 403
    assert "Catalogue inclusif" not in text(client.get("/marches"))
    with nothing_written(db):
        assert order(client, CSRF_INPUT.search(client.get("/marches").get_data(as_text=True))
                     .group(1)).status_code == 403
    log_in(client, buyer.user)
    assert 'href="/catalogue">Catalogue inclusif</a>' in text(client.get("/marches"))


def test_the_buyer_lists_its_purchases_and_another_buyer_does_not(client, db, buyer, placed):
    row = placed["row"]
    page = text(client.get("/catalogue/achats"))
    assert f'href="/catalogue/achats/{row.id}"' in page
    assert f'href="/commandes/{row.order_id}"' in page
    assert "Terres de Ré" in page and "300,00 EUR" in page
    assert "Entretien d'espaces verts — 17" in page
    other = make_buyer(db, 61, "Ville de Rochefort", funds={"EUR": "5000.00"})
    log_in(client, other.user)
    page = text(client.get("/catalogue/achats"))
    assert "Aucun achat pour l'instant." in page and f"/catalogue/achats/{row.id}" not in page


def test_a_bad_cursor_on_the_list_is_a_clear_refusal(client, db, buyer):
    log_in(client, buyer.user)
    assert client.get("/catalogue/achats?cursor=bogus").status_code == 422


def test_the_purchase_page_is_for_its_buyer_its_supplier_and_network_admins(client, db,
                                                                           buyer, placed):
    path = f"/catalogue/achats/{placed['row'].id}"
    assert client.get(path).status_code == 200
    other = make_buyer(db, 61, "Ville de Rochefort", funds={"EUR": "5000.00"})
    bystander = structure(db, 3, "Ailleurs", place=BAYONNE, radius_km=20)
    for who in (other.user, bystander.user, placed["served"].user):
        log_in(client, who)
        assert client.get(path).status_code == 404
    log_in(client, placed["fresh"].user)
    assert "Vérifié" in text(client.get(path))
    admin = make_user(db, "admin@example.org", [(Role.network_admin, None)])
    log_in(client, admin)
    assert client.get(path).status_code == 200
    assert client.get("/catalogue/achats").status_code == 200
    for missing in ("/catalogue/achats/999999", f"/catalogue/achats/{2**31}",
                    "/catalogue/achats/0", "/catalogue/achats/-1"):
        assert client.get(missing).status_code == 404


def test_the_purchase_page_shows_the_ranking_with_what_each_had_received(client, db, buyer,
                                                                        placed):
    page = text(client.get(f"/catalogue/achats/{placed['row'].id}"))
    table = page.split('class="catalogue-ranking"')[1].split("</table>")[0]
    assert table.index("Terres de Ré") < table.index("Jardins de l'Aunis")
    assert "0,00 EUR" in table and "900,00 EUR" in table and ">90000<" in table
    assert str(placed["fresh"].member.id) in table


def test_the_script_on_the_purchase_page_re_runs_the_rotation(client, db, buyer):
    tied = [structure(db, n, f"Structure {n}") for n in (1, 2, 3, 4)]
    log_in(client, buyer.user)
    assert order(client, token(client)).status_code == 302
    row = db.session.query(CataloguePurchase).one()
    page = text(client.get(f"/catalogue/achats/{row.id}"))
    assert "4 structures éligibles avaient reçu le moins du catalogue" in page
    script = re.search(r'<code id="purchase-script">(.*?)</code>', page, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(script, {})  # the page's own script, as a reader would run it
    ranking = [c["member_id"] for c in row.candidates]
    assert out.getvalue().strip() == f"{ranking} {row.supplier_id}"
    assert set(ranking) == {t.member.id for t in tied} and ranking[0] == row.supplier_id


def test_a_tampered_purchase_shows_it_is_not_verified(client, db, buyer, placed):
    row = placed["row"]
    row.seed = "tampered"
    row.candidates = list(reversed(row.candidates))
    db.session.commit()
    page = text(client.get(f"/catalogue/achats/{row.id}"))
    assert "Non vérifié" in page


def test_a_purchase_without_stored_candidates_still_shows(client, db, buyer):
    supplier = structure(db, 1, "Jardins de l'Aunis")
    past_purchase(db, buyer, supplier, 300)  # recorded with no candidates
    row = db.session.query(CataloguePurchase).one()
    log_in(client, buyer.user)
    response = client.get(f"/catalogue/achats/{row.id}")
    assert response.status_code == 200
    assert "Le classement de cet achat n'a pas été enregistré." in text(response)
    assert "Non vérifié" in text(response)


def test_the_api_and_the_page_agree_on_the_need(client, db, buyer):
    """The page's hidden fields carry what the API would be sent (NEED)."""
    structure(db, 1, "Jardins de l'Aunis")
    log_in(client, buyer.user)
    page = client.get("/catalogue", query_string=QUERY).get_data(as_text=True)
    form = page.split('class="catalogue-order"')[1]
    for name, value in NEED.items():
        assert f'name="{name}" value="{value}"' in form
