"""The marketplace's pages: the search, an offer, my offers, the offer form and its actions."""

import html as htmllib
import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from market.auth.roles import Role
from market.members.models import MemberStatus
from market.offers.models import Offer, OfferImage
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in, make_user
from tests.integration.offers_factories import make_offer, make_trader

LYON = (45.7640, 4.8357)
OFFER_TABLES = ("offers", "offers_fts")  # the FTS table is SQLite's only


def png(size=(64, 48), colour=(120, 80, 40)) -> bytes:
    """A small PNG made by Pillow."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def page_text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def results(response) -> str:
    """The results section of the search page (the filters name sectors too)."""
    text = page_text(response)
    return text[text.index('id="results-title"'):]


def csrf(client, path="/offres/nouvelle") -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def form_fields(**overrides) -> dict:
    """The new-offer form as a browser sends it (a comma decimal price, French dates)."""
    fields = {"kind": "product", "title": "Planches de chêne",
              "description": "Chêne local.\r\nSéché deux ans.", "sector": "wood.carpentry",
              "unit": "planche", "price": "12,5", "currency": "EUR", "currency_share": "0",
              "quantity": "10", "reach": "national", "radius_km": "", "latitude": "",
              "longitude": "", "city": "", "department": "", "region": "", "country": "",
              "valid_from": "", "valid_until": "", "share_min": "", "share_max": "",
              "images_alt": ""}
    for row in range(3):
        fields.update({f"deliveries-{row}-{name}": "" for name in
                       ("kind", "address", "radius_km", "region", "fee")})
        fields[f"deliveries-{row}-fee_kind"] = "free"
    fields.update(overrides)
    return fields


def uploads(*files) -> dict:
    """The images field of a multipart post: (bytes, filename) pairs."""
    return {"images": [(io.BytesIO(content), name) for content, name in files]}


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Images stored under the test's own directory."""
    path = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(path)
    return path


def stored_files(upload_dir) -> list[str]:
    folder = upload_dir / "offers"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd", inclusion_kind="EI")


@pytest.fixture
def other(db):
    return make_trader(db, 2, "Atelier Rhône Solidaire", city="Lyon", department="69",
                       region="Auvergne-Rhône-Alpes", latitude=LYON[0], longitude=LYON[1],
                       inclusion_kind="EA")


def offer_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Offer))


# The search page.

def test_the_search_page_shows_published_offers_with_member_city_price_and_currency_share(
        client, db, seller):
    make_offer(db, seller, currency_share=30, accepted_currencies=["MUTU"])
    make_offer(db, seller, publish=False, title="Brouillon caché")
    response = client.get("/offres")
    assert response.status_code == 200
    text = page_text(response)
    assert "Planches de chêne" in text and "Menuiserie du Labourd" in text
    assert "Bayonne" in text and "12,50 EUR / planche" in text
    assert "dont 30 % en MUTU" in text and "Produit" in text
    assert "Brouillon caché" not in text
    assert 'href="/offres/carte"' in text


@pytest.mark.parametrize(("query", "shown"), [
    ("q=chene", {"Planches"}),
    ("q=velos", {"Réparation"}),
    ("kind=service", {"Réparation"}),
    ("sector=wood.carpentry", {"Planches"}),
    ("sector_group=wood", {"Planches"}),
    ("accepts=EUSKO", {"Réparation"}),
    ("inclusion_kind=SIAE", {"Planches"}),
    ("inclusion_kind=EA", {"Réparation"}),
    ("has_images=true", set()),
    ("price_min=20", {"Réparation"}),
    ("price_max=12%2C50", {"Planches"}),
    ("department=69", {"Planches", "Réparation"}),  # the boards are national
    ("department=64", {"Planches"}),
    ("q=chene&kind=service", set()),
])
def test_the_search_page_filters(client, db, seller, other, query, shown):
    make_offer(db, seller)
    make_offer(db, other, kind="service", title="Réparation de vélos", unit="heure",
               description="Tous vélos.", sector="mobility.bike", price="35.00",
               currency_share=20,
               accepted_currencies=["EUSKO"], reach="regional")
    response = client.get(f"/offres?{query}")
    found = results(response)
    assert {name for name in ("Planches", "Réparation") if name in found} == shown
    assert "Filtre ignoré" not in page_text(response)


def test_the_search_page_pages_through_results_with_the_cursor(client, db, seller):
    for n in range(30):
        make_offer(db, seller, title=f"Offre numéro {n:02d}")
    first = page_text(client.get("/offres?sort=price&kind=product"))
    assert first.count('class="card offer-card"') == 24
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert "cursor=" in next_url and "kind=product" in next_url
    second = page_text(client.get(next_url))
    assert second.count('class="card offer-card"') == 6
    titles = set(re.findall(r"Offre numéro \d\d", first)) | set(
        re.findall(r"Offre numéro \d\d", second))
    assert len(titles) == 30
    assert 'rel="next"' not in second and "Première page" in second


def test_a_refused_filter_is_ignored_with_a_message_and_the_others_kept(client, db, seller,
                                                                         other):
    make_offer(db, seller)
    make_offer(db, other, kind="service", title="Réparation de vélos", unit="heure")
    response = client.get("/offres?kind=service&price_max=abc&department=999&sort=distance"
                          "&cursor=garbage")
    assert response.status_code == 200
    text = page_text(response)
    assert "Filtre ignoré — Prix maximum" in text
    assert "Filtre ignoré — Autour de : Département inconnu." in text
    assert "Filtre ignoré — Page" in text
    found = results(response)
    assert "Réparation de vélos" in found and "Planches de chêne" not in found


def test_a_search_around_a_department_shows_the_distance(client, db, seller):
    make_offer(db, seller, reach="local", radius_km=150, latitude="43.4929",
               longitude="-1.4748")
    text = page_text(client.get("/offres?department=64&sort=distance"))
    assert "Planches de chêne" in text and re.search(r"à \d+(,\d)? km", text)


def test_the_map_link_carries_the_same_filters(client, db, seller):
    text = page_text(client.get("/offres?q=chêne&kind=product&cursor=abc"))
    link = re.search(r'href="(/offres/carte[^"]*)"', text).group(1)
    assert "kind=product" in link and "q=ch" in link and "cursor" not in link


def test_an_empty_search_says_so(client, db, seller):
    text = page_text(client.get("/offres?q=introuvable"))
    assert "Aucune offre ne correspond à cette recherche." in text


# The offer page.

def test_the_offer_page_shows_images_description_deliveries_seller_and_validity(
        client, db, seller):
    offer = make_offer(db, seller, description="Première ligne.\nDeuxième ligne.",
                       valid_until="2030-06-30T22:00:00+00:00",
                       deliveries=[{"kind": "pickup", "address": "1 rue du Port"},
                                   {"kind": "delivery_radius", "radius_km": 40,
                                    "fee_kind": "fixed", "fee": "15.00"}])
    text = page_text(client.get(f"/offres/{offer.id}"))
    assert "Première ligne.\nDeuxième ligne." in text
    assert "Retrait sur place : 1 rue du Port" in text and "frais : 15,00 EUR" in text
    assert f'href="/members/{seller.member.id}"' in text
    assert "jusqu'au 1 juillet 2030" in text
    assert "Modifier" not in text and "Statut" not in text
    assert "block offer_extra" not in text  # the placeholder renders nothing


def test_a_share_offer_shows_its_nominal_value_and_the_shares_per_subscriber(
        client, db, seller):
    offer = make_offer(db, seller, kind="share", title="Parts de la SCIC", unit="part",
                       price="50.00", share_min=2, share_max=40, quantity=None)
    text = page_text(client.get(f"/offres/{offer.id}"))
    assert "Valeur nominale d'une part" in text and "50,00 EUR" in text
    assert "de 2 à 40" in text and "Sur demande" in text


def test_the_owner_sees_the_status_and_the_actions_its_status_allows(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    log_in(client, seller.user)
    text = page_text(client.get(f"/offres/{offer.id}"))
    assert "Brouillon" in text and f'href="/offres/{offer.id}/modifier"' in text
    assert f'action="/offres/{offer.id}/publier"' in text
    assert f'action="/offres/{offer.id}/archiver"' in text
    assert f'action="/offres/{offer.id}/pause"' not in text


# The actions.

def test_the_owner_publishes_pauses_renews_and_archives_an_offer(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    log_in(client, seller.user)
    token = csrf(client, f"/offres/{offer.id}")
    for step, status, message in [("publier", "published", "L'offre est publiée."),
                                  ("pause", "paused", "L'offre est en pause"),
                                  ("prolonger", "paused", "L'offre est prolongée jusqu'au"),
                                  ("publier", "published", "L'offre est publiée."),
                                  ("archiver", "archived", "L'offre est archivée.")]:
        with writes(db, "offers"):
            response = client.post(f"/offres/{offer.id}/{step}", data={"csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/offres/{offer.id}")
        assert db.session.get(Offer, offer.id).status == status
        assert message in page_text(client.get(f"/offres/{offer.id}"))


def test_an_action_from_my_offers_comes_back_to_my_offers(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    log_in(client, seller.user)
    token = csrf(client, "/mes-offres")
    response = client.post(f"/offres/{offer.id}/publier?retour=mes-offres",
                           data={"csrf_token": token})
    assert response.headers["Location"].endswith("/mes-offres")


def test_an_action_the_status_refuses_is_flashed_and_writes_nothing(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    log_in(client, seller.user)
    token = csrf(client, f"/offres/{offer.id}")
    with nothing_written(db):
        response = client.post(f"/offres/{offer.id}/pause", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Impossible de faire cela" in page_text(client.get(f"/offres/{offer.id}"))


def test_actions_and_forms_need_a_csrf_token(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    log_in(client, seller.user)
    with nothing_written(db):
        assert client.post(f"/offres/{offer.id}/publier").status_code == 400
        assert client.post("/offres/nouvelle", data=form_fields()).status_code == 400
        assert client.post(f"/offres/{offer.id}/modifier", data=form_fields(
            title="Changé")).status_code == 400


# The new-offer form.

def test_hostile_form_bodies_get_no_server_error_and_write_nothing(client, db, seller):
    from tests.integration.test_hostile_input import HOSTILE_VALUES

    draft = make_offer(db, seller, publish=False)
    published = make_offer(db, seller, title="Publiée")
    log_in(client, seller.user)
    token = csrf(client)
    names = [*form_fields(), "accepted_currencies", "remove_images", "member", "publish"]
    bodies = [{**{name: str(value) for name in names}, "csrf_token": token}
              for value in HOSTILE_VALUES if isinstance(value, str)]
    bodies.append({**{name: ["a", "\x01", "b" * 3000] for name in names},
                   "csrf_token": token})
    bodies.append({"title": "x" * (11 * 1024 * 1024), "csrf_token": token})
    for path in ("/offres/nouvelle", f"/offres/{draft.id}/modifier",
                 f"/offres/{published.id}/publier", f"/offres/{draft.id}/pause"):
        for body in bodies:
            with nothing_written(db):
                response = client.post(path, data=body)
            assert 300 <= response.status_code < 500, (path, response.status_code)
            response.close()


def test_the_new_offer_form_creates_an_offer_with_an_uploaded_png(client, db, seller,
                                                                  upload_dir):
    log_in(client, seller.user)
    page = client.get("/offres/nouvelle")
    assert page.status_code == 200
    text = page_text(page)
    assert 'accept="image/jpeg,image/png,image/webp"' in text and "multiple" in text
    fields = form_fields(csrf_token=csrf(client), currency_share="30",
                         accepted_currencies=["MUTU", "EUSKO"], valid_until="2030-06-30",
                         **{"deliveries-0-kind": "pickup", "deliveries-0-address": "Le port",
                            "deliveries-2-kind": "delivery_radius",
                            "deliveries-2-radius_km": "40", "deliveries-2-fee_kind": "fixed",
                            "deliveries-2-fee": "15"})
    fields.update(uploads((png(), "planche.png")))
    response = client.post("/offres/nouvelle", data=fields,
                           content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    offer = db.session.scalars(select(Offer)).one()
    assert response.headers["Location"].endswith(f"/offres/{offer.id}")
    assert offer.status == "draft" and offer.price_minor == 1250
    assert offer.description == "Chêne local.\nSéché deux ans."
    assert offer.accepted_currencies == ["EUSKO", "MUTU"] and offer.currency_share == 30
    assert offer.valid_until == datetime(2030, 6, 29, 22, 0, tzinfo=UTC)  # 00:00 in Paris
    assert [(d.kind, d.fee_minor) for d in offer.deliveries] == [
        ("pickup", None), ("delivery_radius", 1500)]
    assert offer.city == "Bayonne"  # the member's place
    [image] = offer.images
    assert image.alt == "Planches de chêne" and offer.has_images
    assert stored_files(upload_dir) == sorted([f"{image.key}-display.webp",
                                               f"{image.key}-thumb.webp"])
    shown = page_text(client.get(f"/offres/{offer.id}"))
    assert "enregistrée en brouillon" in shown
    assert f'/media/offres/{image.key}/thumb.webp' in shown
    served = client.get(f"/media/offres/{image.key}/thumb.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    served.close()


def test_publish_at_once_publishes_the_new_offer(client, db, seller):
    log_in(client, seller.user)
    response = client.post("/offres/nouvelle", data=form_fields(
        csrf_token=csrf(client), publish="y"))
    assert response.status_code == 302
    offer = db.session.scalars(select(Offer)).one()
    assert offer.status == "published"
    assert "Planches de chêne" in page_text(client.get("/offres"))


def bomb() -> bytes:
    """A PNG of 48 megapixels (small on disk, too many pixels to decode)."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("content", "name", "message"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "dessin.svg", "Les images SVG et les pages HTML ne sont pas acceptées"),
    (b"Ceci est un fichier texte, pas une image.\n" * 20, "photo.png",
     "Ce fichier n'est pas une image JPEG, PNG ou WebP."),
    (b"", "vide.png", "Le fichier est vide."),
    (bomb(), "immense.png", "L'image est trop grande en pixels"),
])
def test_a_refused_image_shows_the_message_by_the_field_and_writes_nothing(
        client, db, seller, upload_dir, content, name, message):
    log_in(client, seller.user)
    fields = {**form_fields(csrf_token=csrf(client), publish="y"),
              **uploads((png(), "bonne.png"), (content, name))}
    with nothing_written(db):
        response = client.post("/offres/nouvelle", data=fields,
                               content_type="multipart/form-data")
    assert response.status_code == 422
    text = page_text(response)
    error = re.search(r'<p class="error" id="images-error-1" role="alert">([^<]+)</p>', text)
    assert error and message in error.group(1) and name in error.group(1)
    assert 'aria-describedby="images-help images-error-1"' in text
    assert "choisissez-les à nouveau" in text
    assert stored_files(upload_dir) == []


def test_seven_images_are_refused_and_none_is_stored(client, db, seller, upload_dir):
    log_in(client, seller.user)
    fields = {**form_fields(csrf_token=csrf(client)),
              **uploads(*[(png(), f"{n}.png") for n in range(7)])}
    with nothing_written(db):
        response = client.post("/offres/nouvelle", data=fields,
                               content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Une offre montre au plus 6 images." in page_text(response)
    assert stored_files(upload_dir) == []


def test_no_file_chosen_is_no_image(client, db, seller):
    log_in(client, seller.user)
    fields = {**form_fields(csrf_token=csrf(client)), **uploads((b"", ""))}
    response = client.post("/offres/nouvelle", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalars(select(Offer)).one().images == []


def test_a_refusal_after_the_images_were_stored_removes_their_files(client, db, seller,
                                                                    upload_dir):
    from sqlalchemy import text as sql

    db.session.execute(sql("UPDATE ledger_accounts SET status = 'closed' WHERE id = :id"),
                       {"id": seller.accounts["MUTU"]})
    db.session.commit()
    log_in(client, seller.user)
    fields = {**form_fields(csrf_token=csrf(client), publish="y", currency_share="50",
                            accepted_currencies=["MUTU"]), **uploads((png(), "bonne.png"))}
    with nothing_written(db):
        response = client.post("/offres/nouvelle", data=fields,
                               content_type="multipart/form-data")
    assert response.status_code == 422
    assert "pas de compte en MUTU" in page_text(response)
    assert stored_files(upload_dir) == []


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"price": "douze"}, "price", "Montant décimal avec 2 décimales"),
    ({"price": ""}, "price", "Champ obligatoire."),
    ({"title": "ab"}, "title", "Longueur de 3 à 160."),
    ({"currency_share": "120", "accepted_currencies": ["MUTU"]}, "currency_share",
     "Entre 0 et 100."),
    ({"currency_share": "20"}, "accepted_currencies", "Indiquez au moins une monnaie"),
    ({"quantity": "dix"}, "quantity", "Nombre entier attendu."),
    ({"reach": "local"}, "radius_km", "Une offre locale indique son rayon"),
    ({"kind": "share"}, "share_min", "Indiquez le nombre minimal de parts"),
    ({"valid_from": "2030-02-01", "valid_until": "2030-01-01"}, "valid_until",
     "La fin de validité doit suivre son début."),
    ({"valid_until": "demain"}, "valid_until", "Date attendue, au format AAAA-MM-JJ."),
    ({"deliveries-1-kind": "pickup"}, "deliveries-1-kind", "Un retrait sur place indique"),
    ({"deliveries-0-kind": "delivery_radius", "deliveries-0-radius_km": "900"},
     "deliveries-0-radius_km", "Entre 1 et 300."),
    ({"sector": "nulle.part"}, "sector", "Secteur inconnu"),
])
def test_a_bad_field_shows_its_message_next_to_it_and_writes_nothing(client, db, seller,
                                                                     changes, field, message):
    log_in(client, seller.user)
    with nothing_written(db):
        response = client.post("/offres/nouvelle", data=form_fields(
            csrf_token=csrf(client), **changes))
    assert response.status_code == 422
    text = page_text(response)
    error = re.search(rf'<p class="error" id="{field}-error-1" role="alert">([^<]+)</p>', text)
    assert error and message in error.group(1), text[:3000]
    assert re.search(rf'aria-describedby="[^"]*{field}-error-1', text)
    assert "L'offre n'a pas été enregistrée" in text


def test_a_user_of_two_members_chooses_which_one_offers(client, db, seller, other):
    user = make_user(db, "both@example.org", [(Role.member_staff, seller.member.id),
                                              (Role.member_admin, other.member.id)])
    log_in(client, user)
    text = page_text(client.get("/offres/nouvelle"))
    assert 'name="member"' in text
    response = client.post("/offres/nouvelle", data=form_fields(
        csrf_token=csrf(client), member=str(other.member.id)))
    assert response.status_code == 302
    assert db.session.scalars(select(Offer)).one().member_id == other.member.id


def test_a_suspended_member_cannot_post_offers(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    seller.member.status = MemberStatus.suspended
    db.session.commit()
    log_in(client, seller.user)
    token = csrf(client, "/mes-offres")
    assert client.get("/offres/nouvelle").status_code == 403
    with nothing_written(db):
        assert client.post("/offres/nouvelle", data=form_fields(
            csrf_token=token)).status_code == 403
        assert client.post(f"/offres/{offer.id}/publier",
                           data={"csrf_token": token}).status_code == 403
        assert client.post(f"/offres/{offer.id}/modifier", data=form_fields(
            csrf_token=token)).status_code == 403
    mine = page_text(client.get("/mes-offres"))  # still read
    assert "Planches de chêne" in mine and 'action="/offres/' not in mine


def test_visitors_are_sent_to_sign_in_and_users_of_no_member_are_refused(client, db, seller):
    response = client.get("/offres/nouvelle")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "/login" in client.get("/mes-offres").headers["Location"]
    log_in(client, make_user(db, "nobody@example.org"))
    assert client.get("/mes-offres").status_code == 403
    assert client.get("/offres/nouvelle").status_code == 403


# Editing.

def test_the_edit_form_changes_the_offer_and_removes_and_adds_images(client, db, seller,
                                                                     upload_dir):
    offer = make_offer(db, seller)
    log_in(client, seller.user)
    first = {**form_fields(csrf_token=csrf(client, f"/offres/{offer.id}/modifier"),
                           valid_until="2030-07-01"), **uploads((png(), "a.png"))}
    first.update({"deliveries-0-kind": "pickup", "deliveries-0-address": "Le port"})
    assert client.post(f"/offres/{offer.id}/modifier", data=first,
                       content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    [old] = db.session.get(Offer, offer.id).images
    page = page_text(client.get(f"/offres/{offer.id}/modifier"))
    assert 'value="Planches de chêne"' in page and 'value="12.50"' in page
    assert 'value="2030-07-01"' in page and 'value="Le port"' in page
    assert f'name="remove_images" type="checkbox" value="{old.id}"' in page
    fields = {**form_fields(csrf_token=csrf(client, f"/offres/{offer.id}/modifier"),
                            title="Planches de chêne séché", price="14",
                            valid_until="2030-07-01", images_alt="Une pile de planches",
                            remove_images=[str(old.id)]),
              **uploads((png(colour=(0, 0, 200)), "b.png"))}
    response = client.post(f"/offres/{offer.id}/modifier", data=fields,
                           content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    db.session.expire_all()
    changed = db.session.get(Offer, offer.id)
    assert changed.title == "Planches de chêne séché" and changed.price_minor == 1400
    assert changed.valid_until == datetime(2030, 6, 30, 22, tzinfo=UTC)  # unchanged day
    assert changed.deliveries == []
    [new] = changed.images
    assert new.alt == "Une pile de planches" and new.key != old.key
    assert stored_files(upload_dir) == sorted([f"{new.key}-display.webp",
                                               f"{new.key}-thumb.webp"])


def test_editing_another_members_offer_is_not_found(client, db, seller, other):
    offer = make_offer(db, seller)
    log_in(client, other.user)
    token = csrf(client, "/offres/nouvelle")
    assert client.get(f"/offres/{offer.id}/modifier").status_code == 404
    with nothing_written(db):
        assert client.post(f"/offres/{offer.id}/modifier", data=form_fields(
            csrf_token=token, title="Volé")).status_code == 404
        assert client.post(f"/offres/{offer.id}/archiver",
                           data={"csrf_token": token}).status_code == 404
    assert client.get("/offres/999999/modifier").status_code == 404


def test_removing_an_image_of_another_offer_is_refused(client, db, seller):
    mine_offer = make_offer(db, seller)
    log_in(client, seller.user)
    with nothing_written(db):
        response = client.post(f"/offres/{mine_offer.id}/modifier", data=form_fields(
            csrf_token=csrf(client), remove_images=["12345"]))
    assert response.status_code == 422
    assert "Image introuvable." in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(OfferImage)) == 0


# My offers.

def test_my_offers_lists_every_status_grouped_by_member(client, db, seller, other):
    user = make_user(db, "both@example.org", [(Role.member_admin, seller.member.id),
                                              (Role.member_staff, other.member.id)])
    make_offer(db, seller, publish=False, title="Brouillon du Labourd")
    archived = make_offer(db, seller, title="Ancienne offre")
    archived.status = "archived"
    make_offer(db, other, title="Vélos du Rhône")
    make_offer(db, make_trader(db, 3, "Étrangers"), title="Pas à moi")
    db.session.commit()
    log_in(client, user)
    text = page_text(client.get("/mes-offres"))
    assert "<h2" in text and "Menuiserie du Labourd" in text and "Atelier Rhône" in text
    assert text.index("Atelier Rhône") < text.index("Vélos du Rhône") < text.index(
        "Menuiserie du Labourd") < text.index("Brouillon du Labourd")
    assert "Brouillon" in text and "Archivée" in text and "Publiée" in text
    assert "Pas à moi" not in text and 'href="/offres/nouvelle"' in text
    assert f'href="/offres/{archived.id}/modifier"' not in text


# Languages.

def test_the_pages_render_in_english_when_the_session_says_so(client, db, seller):
    offer = make_offer(db, seller, publish=False)
    log_in(client, seller.user)
    client.post("/language", data={"lang": "en", "next": "/offres",
                                   "csrf_token": csrf(client, "/offres")})
    for path in ("/offres", f"/offres/{offer.id}", "/mes-offres", "/offres/nouvelle",
                 f"/offres/{offer.id}/modifier"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = page_text(response)
        assert '<html lang="en">' in text and "Directory" in text, path
    assert "Search" in page_text(client.get("/offres"))
