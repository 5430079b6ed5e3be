"""Orders' pages: the order form on an offer page, my orders, an order and its actions."""

import html as htmllib
import re

import pytest
from sqlalchemy import func, select

import ledger
from market.auth.roles import Role
from market.members.models import MemberStatus
from market.notifications.models import Notification
from market.offers.models import Offer
from market.orders.models import Order
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import log_in, make_user
from tests.integration.offers_factories import make_offer, make_trader

REQUEST_KEY = re.compile(r'name="request_key" type="hidden" value="([^"]*)"')


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def buyer(db):
    return make_trader(db, 2, "Jardins de l'Adour", funds={"EUR": "1000.00", "EUSKO": "200.00"})


@pytest.fixture
def offer(db, seller):
    """40 EUR a board, 30 % payable in EUSKO or MUTU, picked up or delivered for 10 EUR."""
    return make_offer(db, seller, price="40.00", quantity=5, currency_share=30,
                      accepted_currencies=["EUSKO", "MUTU"],
                      deliveries=[{"kind": "pickup", "address": "Port de Bayonne"},
                                  {"kind": "delivery_radius", "radius_km": 30,
                                   "fee_kind": "fixed", "fee": "10.00"}]).id


def page_text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def csrf(client, path="/commandes") -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def deliveries(db, offer_id) -> list[int]:
    db.session.expire_all()
    return [d.id for d in db.session.get(Offer, offer_id).deliveries]


def order_form(client, db, offer_id, **fields) -> dict:
    """The order form as a browser sends it: delivered, paid 66,00 EUR + 24 EUSKO."""
    _pickup, delivered = deliveries(db, offer_id)
    page = client.get(f"/offres/{offer_id}").get_data(as_text=True)
    key = REQUEST_KEY.search(page)  # none when the page has no order form for this user
    values = {"csrf_token": CSRF_INPUT.search(page).group(1),
              "request_key": key and key.group(1), "offer": str(offer_id),
              "quantity": "2", "delivery": str(delivered), "pay_EUR": "66,00",
              "pay_EUSKO": "24", "pay_MUTU": "", "note": "Livrer au jardin, merci.\r\n"}
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def order_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Order))


def balance(db, trader, code) -> tuple[str, str]:
    account = ledger.get_account(db.engine, trader.accounts[code])
    return account["balance"], account["pending_debits"]


def place(client, db, buyer, offer_id, **fields) -> int:
    """Order through the page as ``buyer``; the new order's id."""
    log_in(client, buyer.user)
    response = client.post("/commandes", data=order_form(client, db, offer_id, **fields))
    assert response.status_code == 302, page_text(response)[:2000]
    return int(re.fullmatch(r"/commandes/(\d+)", response.headers["Location"]).group(1))


def press(client, order_id, action):
    return client.post(f"/commandes/{order_id}/{action}",
                       data={"csrf_token": csrf(client, f"/commandes/{order_id}")})


# The order form.

def test_the_offer_page_shows_the_order_form_with_a_part_per_accepted_currency(client, db,
                                                                             buyer, offer):
    log_in(client, buyer.user)
    text = page_text(client.get(f"/offres/{offer}"))
    assert 'action="/commandes"' in text and 'name="quantity"' in text
    assert "Part en EUR" in text and "Part en EUSKO" in text and "Part en MUTU" in text
    assert "Retrait sur place (Port de Bayonne) — sans frais" in text
    assert "Livraison dans un rayon (30 km) — frais : 10,00 EUR" in text
    assert "Au plus 30 % du prix, soit 12,00 EUR par planche" in text
    assert text.count('type="radio"') == 2


def test_a_trader_orders_from_the_offer_page_paying_part_in_a_complementary_currency(
        client, db, seller, buyer, offer):
    order_id = place(client, db, buyer, offer)
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert order.state == "requested" and order.quantity == 2 and order.total_minor == 9000
    assert order.payment == [{"currency": "EUR", "minor": 6600},
                             {"currency": "EUSKO", "minor": 2400}]
    assert order.note == "Livrer au jardin, merci." and order.fee_minor == 1000
    assert order.buyer_user_id == buyer.user.id
    told = db.session.scalars(select(Notification).where(
        Notification.user_id == seller.user.id)).all()
    assert [n.kind for n in told] == ["order_requested"]
    assert told[0].url == f"/commandes/{order_id}"
    shown = page_text(client.get(f"/commandes/{order_id}"))
    assert "Commande envoyée au vendeur" in shown
    assert "66,00 EUR + 24,00 EUSKO" in shown and "90,00 EUR" in shown
    assert "Demandée" in shown and "Livrer au jardin, merci." in shown


def test_an_order_with_every_part_empty_is_paid_all_in_the_offers_currency(client, db, buyer,
                                                                          offer):
    order_id = place(client, db, buyer, offer, pay_EUR="", pay_EUSKO="",
                     delivery=str(deliveries(db, offer)[0]), quantity="1")
    db.session.expire_all()
    assert db.session.get(Order, order_id).payment == [{"currency": "EUR", "minor": 4000}]


@pytest.mark.parametrize(("fields", "error_id", "message"), [
    ({"quantity": "abc"}, "quantity-error-1", "Nombre entier attendu."),
    ({"quantity": ""}, "quantity-error-1", "Champ obligatoire."),
    ({"quantity": "6"}, "quantity-error-1", "Il n'en reste que 5."),
    ({"quantity": "0"}, "quantity-error-1", "Entre 1 et"),
    ({"delivery": None}, "delivery-error-1", "Choisissez un mode de remise."),
    ({"delivery": "999999"}, "delivery-error-1", "pas proposé pour cette offre"),
    ({"pay_EUR": "50,00", "pay_EUSKO": "40,00"}, "payment-error-1",
     "Au plus 24.00 peuvent être payés en monnaie complémentaire."),
    ({"pay_EUR": "60,00"}, "payment-error-1", "Le paiement doit faire exactement 90.00."),
    ({"pay_EUR": "66,001"}, "pay_EUR-error-1", ""),
    ({"pay_EUSKO": "douze"}, "pay_EUSKO-error-1", ""),
    ({"note": "x" * 2001}, "note-error-1", ""),
])
def test_a_refused_order_shows_each_message_by_its_field_and_writes_nothing(
        client, db, buyer, offer, fields, error_id, message):
    log_in(client, buyer.user)
    form = order_form(client, db, offer, **fields)
    with nothing_written(db):
        response = client.post("/commandes", data=form)
    assert response.status_code == 422
    text = page_text(response)
    found = re.search(rf'<p class="error" id="{error_id}" role="alert">([^<]+)</p>', text)
    assert found, text[text.index('action="/commandes"'):][:3000]
    assert message in found.group(1)
    assert "La commande n'est pas passée" in text
    assert "<h1>Planches de chêne</h1>" in text  # the offer page itself, shown again
    if fields.get("quantity") == "abc":
        assert 'value="abc"' in text  # what was typed is kept
    assert order_count(db) == 0


def test_a_buyer_without_an_account_in_a_currency_is_told_so(client, db, seller, offer):
    poor = make_trader(db, 3, "Coop sans MUTU")
    ledger.freeze_account(db.engine, poor.accounts["MUTU"])  # frozen: not open any more
    log_in(client, poor.user)
    form = order_form(client, db, offer, pay_EUR="66,00", pay_EUSKO="", pay_MUTU="24,00")
    with nothing_written(db):
        response = client.post("/commandes", data=form)
    assert response.status_code == 422
    assert "Votre structure n'a pas de compte en MUTU." in page_text(response)


def test_the_order_form_is_for_traders_of_another_active_member(client, db, seller, buyer,
                                                                offer):
    anonymous = page_text(client.get(f"/offres/{offer}"))
    assert 'action="/commandes"' not in anonymous
    assert "Connectez-vous pour commander cette offre." in anonymous
    log_in(client, seller.user)
    own = page_text(client.get(f"/offres/{offer}"))
    assert 'action="/commandes"' not in own and "Connectez-vous pour commander" not in own
    buyer.member.status = MemberStatus.suspended
    db.session.commit()
    log_in(client, buyer.user)
    assert 'action="/commandes"' not in page_text(client.get(f"/offres/{offer}"))
    buyer.member.status = MemberStatus.active
    db.session.commit()
    log_in(client, seller.user)
    with nothing_written(db):
        response = client.post("/commandes", data=order_form(client, db, offer))
    assert response.status_code == 404  # nobody to order for: the seller's own offer


def test_a_user_trading_for_two_members_chooses_which_one_orders(client, db, seller, buyer,
                                                                 offer):
    other = make_trader(db, 3, "Autre coop", funds={"EUR": "100.00"})
    both = make_user(db, "both@example.org", roles=[(Role.member_admin, buyer.member.id),
                                                     (Role.member_admin, other.member.id)])
    log_in(client, both)
    text = page_text(client.get(f"/offres/{offer}"))
    assert 'name="member"' in text and "Autre coop" in text
    form = order_form(client, db, offer, pay_EUR="", pay_EUSKO="", member=str(other.member.id),
                      delivery=str(deliveries(db, offer)[0]), quantity="1")
    response = client.post("/commandes", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(Order)).one().buyer_member_id == other.member.id


def test_the_same_form_sent_twice_places_one_order_and_leads_to_it(client, db, buyer, offer):
    log_in(client, buyer.user)
    form = order_form(client, db, offer)
    first = client.post("/commandes", data=form)
    again = client.post("/commandes", data={**form, "quantity": "3"})  # "resend", edited
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert order_count(db) == 1
    assert "Cette commande est déjà envoyée : la voici." in page_text(
        client.get(again.headers["Location"]))
    second = client.post("/commandes", data=order_form(client, db, offer))  # a new page
    assert second.status_code == 302 and second.headers["Location"] != first.headers["Location"]
    assert order_count(db) == 2


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "clé-avec-accent-123456"])
def test_an_order_form_without_its_key_is_refused_and_writes_nothing(client, db, buyer, offer,
                                                                     key):
    log_in(client, buyer.user)
    form = order_form(client, db, offer, request_key=key)
    with nothing_written(db):
        response = client.post("/commandes", data=form)
    assert response.status_code == 422
    assert "Ce formulaire n'est plus valable : rechargez la page." in page_text(response)


def test_placing_an_order_needs_the_csrf_token(client, db, buyer, offer):
    log_in(client, buyer.user)
    form = order_form(client, db, offer)
    form.pop("csrf_token")
    with nothing_written(db):
        response = client.post("/commandes", data=form)
    assert response.status_code == 400
    assert order_count(db) == 0


# My orders and an order's page.

def test_my_orders_lists_purchases_and_sales_with_state_total_mix_and_other_party(
        client, db, seller, buyer, offer):
    order_id = place(client, db, buyer, offer)
    bought = page_text(client.get("/commandes"))
    purchases = bought[bought.index("Mes achats"):bought.index("Mes ventes")]
    assert f'href="/commandes/{order_id}"' in purchases and "Menuiserie du Labourd" in purchases
    assert "Demandée" in purchases and "90,00 EUR" in purchases
    assert "66,00 EUR + 24,00 EUSKO" in purchases
    assert "Aucune commande reçue pour l'instant." in bought
    log_in(client, seller.user)
    sold = page_text(client.get("/commandes"))
    sales = sold[sold.index("Mes ventes"):]
    assert f'href="/commandes/{order_id}"' in sales and "Jardins de l'Adour" in sales
    assert 'href="/commandes"' in sold  # the header link


def test_the_order_pages_are_for_the_orders_sides_only(client, db, seller, buyer, offer):
    order_id = place(client, db, buyer, offer)
    client.delete_cookie("session")
    anonymous = client.get(f"/commandes/{order_id}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert client.get("/commandes").status_code == 302
    stranger = make_trader(db, 4, "Autre coop")
    log_in(client, stranger.user)
    assert client.get(f"/commandes/{order_id}").status_code == 404
    assert client.get("/commandes/2147483647").status_code == 404
    assert f"/commandes/{order_id}" not in page_text(client.get("/commandes"))
    with nothing_written(db):
        assert press(client, order_id, "accept").status_code == 404
    nobody = make_user(db, "nobody@example.org")
    log_in(client, nobody)
    assert client.get("/commandes").status_code == 403
    assert client.get(f"/commandes/{order_id}").status_code == 403


def test_each_side_sees_the_buttons_it_may_press_now(client, db, seller, buyer, offer):
    order_id = place(client, db, buyer, offer)
    as_buyer = page_text(client.get(f"/commandes/{order_id}"))
    assert f'action="/commandes/{order_id}/cancel"' in as_buyer
    assert f'action="/commandes/{order_id}/accept"' not in as_buyer
    log_in(client, seller.user)
    as_seller = page_text(client.get(f"/commandes/{order_id}"))
    for action in ("accept", "reject", "cancel"):
        assert f'action="/commandes/{order_id}/{action}"' in as_seller
    assert f'action="/commandes/{order_id}/confirm"' not in as_seller
    assert "Rien n'est encore réservé" in as_seller


def test_accepting_then_confirming_through_the_pages_holds_then_pays(client, db, seller, buyer,
                                                                    offer):
    order_id = place(client, db, buyer, offer)
    log_in(client, seller.user)
    accepted = press(client, order_id, "accept")
    assert accepted.status_code == 302 and accepted.headers["Location"] == f"/commandes/{order_id}"
    shown = page_text(client.get(f"/commandes/{order_id}"))
    assert "Commande acceptée" in shown and "Acceptée" in shown and "Fonds réservés" in shown
    assert "Jardins de l'Adour EUSKO" in shown and "24,00 EUSKO" in shown
    assert f'action="/commandes/{order_id}/deliver"' in shown
    assert balance(db, buyer, "EUR") == ("1000.00", "66.00")
    assert press(client, order_id, "deliver").status_code == 302
    log_in(client, buyer.user)
    assert press(client, order_id, "confirm").status_code == 302
    shown = page_text(client.get(f"/commandes/{order_id}"))
    assert "Réception confirmée" in shown and "Terminée" in shown and "Versé" in shown
    assert balance(db, buyer, "EUR") == ("934.00", "0.00")
    assert balance(db, buyer, "EUSKO") == ("176.00", "0.00")
    assert balance(db, seller, "EUSKO") == ("24.00", "0.00")
    db.session.expire_all()
    assert db.session.get(Offer, offer).quantity == 3
    assert ledger.verify(db.engine)["ok"]


def test_a_refused_acceptance_is_recorded_and_shown_to_both_sides(client, db, seller, offer):
    poor = make_trader(db, 3, "Coop sans le sou", funds={"EUR": "10.00"})
    order_id = place(client, db, poor, offer, pay_EUR="", pay_EUSKO="", quantity="1",
                     delivery=str(deliveries(db, offer)[0]))
    log_in(client, seller.user)
    assert press(client, order_id, "accept").status_code == 302
    shown = page_text(client.get(f"/commandes/{order_id}"))
    refusal = "La dernière acceptation a été refusée : provision insuffisante"
    assert shown.count(refusal) == 2  # the flash, and the order's own record
    assert "Demandée" in shown
    log_in(client, poor.user)
    assert refusal in page_text(client.get(f"/commandes/{order_id}"))
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert order.state == "requested" and order.transfer_id is None
    assert db.session.get(Offer, offer).quantity == 5


def test_an_action_of_the_other_side_or_of_another_state_is_refused_and_changes_nothing(
        client, db, seller, buyer, offer):
    order_id = place(client, db, buyer, offer)
    with nothing_written(db):
        response = press(client, order_id, "accept")
    assert response.status_code == 302
    shown = page_text(client.get(f"/commandes/{order_id}"))
    assert "C'est à l'autre partie de faire cela." in shown
    with nothing_written(db):
        press(client, order_id, "confirm")
    assert "Impossible de faire cela" in page_text(client.get(f"/commandes/{order_id}"))


def test_an_action_needs_the_csrf_token(client, db, seller, buyer, offer):
    order_id = place(client, db, buyer, offer)
    log_in(client, seller.user)
    with nothing_written(db):
        response = client.post(f"/commandes/{order_id}/accept")
    assert response.status_code == 400


def test_cancelling_an_accepted_order_from_its_page_releases_the_funds(client, db, seller,
                                                                      buyer, offer):
    order_id = place(client, db, buyer, offer)
    log_in(client, seller.user)
    press(client, order_id, "accept")
    log_in(client, buyer.user)
    press(client, order_id, "cancel")
    shown = page_text(client.get(f"/commandes/{order_id}"))
    assert "Annulée" in shown and "Réservation levée" in shown
    assert balance(db, buyer, "EUR") == ("1000.00", "0.00")


def test_the_expire_command_expires_lapsed_holds_once(app, client, db, seller, buyer, offer,
                                                      monkeypatch):
    from datetime import timedelta

    from market.orders import services
    from market.platform.time import now_utc
    order_id = place(client, db, buyer, offer)
    log_in(client, seller.user)
    press(client, order_id, "accept")
    later = now_utc() + timedelta(days=services.HOLD_DAYS + 1)
    monkeypatch.setattr(services, "now_utc", lambda: later)
    db.session.rollback()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["orders", "expire"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "orders: 1 expired"
    again = runner.invoke(args=["orders", "expire"])
    assert again.output.strip() == "orders: 0 expired"
    db.session.expire_all()
    assert db.session.get(Order, order_id).state == "expired"
    assert db.session.get(Offer, offer).quantity == 5


# Languages.

def test_the_order_pages_render_in_english_when_the_session_says_so(client, db, seller, buyer,
                                                                    offer):
    order_id = place(client, db, buyer, offer)
    client.post("/language", data={"lang": "en", "next": "/commandes",
                                   "csrf_token": csrf(client)})
    for path in (f"/offres/{offer}", "/commandes", f"/commandes/{order_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = page_text(response)
        assert '<html lang="en">' in text and "Directory" in text, path
    form = order_form(client, db, offer, quantity="abc")
    refused = client.post("/commandes", data=form)
    assert refused.status_code == 422 and '<html lang="en">' in page_text(refused)
