"""An order from search to payment, in two browsers: the buyer finds an offer (search, map),
orders it paying part in EUSKO; the seller hears of it and accepts; the buyer confirms; both
members' ledger pages show their balances moved by exactly the order's amounts. Every page
of the order passes axe-core."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_helpers import sign_in
from tests.integration.offers_factories import make_offer, make_trader

LYON = (45.7640, 4.8357)
#: 2 boards at 40,00 EUR, picked up: 80,00 EUR, of which 24,00 (30 %) in EUSKO.
EUR_PART, EUSKO_PART = Decimal("56.00"), Decimal("24.00")


@pytest.fixture
def seeded(db) -> dict:
    """A carpenter in Bayonne offering oak boards (30 % payable in EUSKO), a buyer in Lyon
    with euros and euskos; both users are their member's admins, who read its accounts."""
    seller = make_trader(db, 1, "Menuiserie du Labourd", city="Bayonne")
    buyer = make_trader(db, 2, "Atelier Rhône Solidaire", city="Lyon", department="69",
                        region="Auvergne-Rhône-Alpes", postcode="69003", nuts_code="FRK26",
                        latitude=LYON[0], longitude=LYON[1],
                        funds={"EUR": "500.00", "EUSKO": "100.00"})
    offer = make_offer(db, seller, title="Planches de chêne", price="40.00", unit="planche",
                       quantity=10, currency_share=30, accepted_currencies=["EUSKO"],
                       deliveries=[{"kind": "pickup", "address": "Port de Bayonne"}])
    return {"seller": seller, "buyer": buyer, "offer": offer}


def amount(text: str) -> Decimal:
    """ "1 000,50" (French grouping, any space) as a Decimal."""
    return Decimal(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def balances(page, live_server, trader) -> dict[str, Decimal]:
    """The member's balances as its ledger page shows them, by currency."""
    page.goto(f"{live_server}/ledger/accounts")
    expect(page.locator("h1")).to_have_text("Comptes")
    found = {}
    for code, account_id in trader.accounts.items():
        row = page.locator(f"tr[data-account-id='{account_id}']")
        expect(row).to_have_count(1)
        found[code] = amount(row.locator("td").nth(3).inner_text())
    return found


@pytest.fixture
def seller_page(browser, live_server):
    """A second browser context, for the seller (its own cookies)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert blocked == [], blocked


def test_a_buyer_orders_from_the_map_paying_part_in_eusko_and_both_ledgers_show_it(
        live_server, page, seller_page, seeded, axe):
    buyer, seller, offer = seeded["buyer"], seeded["seller"], seeded["offer"]
    sign_in(page, live_server, buyer.user.email)
    sign_in(seller_page, live_server, seller.user.email)
    buyer_before = balances(page, live_server, buyer)
    seller_before = balances(seller_page, live_server, seller)
    assert buyer_before["EUSKO"] == Decimal("100.00")

    # The buyer searches, then opens the map of what was found and the offer from its popup.
    page.goto(f"{live_server}/offres?q=chene")
    results = page.locator(".offer-cards .offer-card")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Planches de chêne")
    page.get_by_role("link", name="Voir ces offres sur la carte").click()
    expect(page).to_have_url(re.compile(r"/offres/carte\?q=chene$"))
    marker = page.locator('#offers-map .leaflet-marker-pane '
                          'img.leaflet-marker-icon[alt="Planches de chêne"]')
    expect(marker).to_have_count(1)
    marker.click()
    popup = page.locator("#offers-map .leaflet-popup-content")
    expect(popup).to_contain_text("Menuiserie du Labourd")
    popup.get_by_role("link", name="Planches de chêne").click()
    expect(page).to_have_url(f"{live_server}/offres/{offer.id}")

    # The order form, then a refused order (too much in EUSKO): the message by its field.
    form = page.locator("form.order-form")
    expect(form.get_by_label("Part en EUSKO")).to_be_visible()
    expect(form).to_contain_text("12,00 EUR par planche")
    axe(page)
    form.get_by_label("Quantité").fill("2")
    form.get_by_label("Retrait sur place (Port de Bayonne) — sans frais").check()
    form.get_by_label("Part en EUR").fill("50,00")
    form.get_by_label("Part en EUSKO").fill("30,00")
    form.get_by_role("button", name="Commander").click()
    refused = page.locator("form.order-form")
    expect(refused.locator("#payment-error-1")).to_contain_text(
        "Au plus 24.00 peuvent être payés en monnaie complémentaire.")
    axe(page)

    refused.get_by_label("Part en EUR").fill(f"{EUR_PART}".replace(".", ","))
    refused.get_by_label("Part en EUSKO").fill(f"{EUSKO_PART}".replace(".", ","))
    refused.get_by_role("button", name="Commander").click()
    expect(page.locator(".flash")).to_contain_text("Commande envoyée au vendeur")
    expect(page.locator("h1")).to_contain_text("Planches de chêne")
    order_url = page.url
    order_id = int(order_url.rsplit("/", 1)[1])
    expect(page.locator("main")).to_contain_text("56,00 EUR + 24,00 EUSKO")
    expect(page.locator(".order-state")).to_have_text("Demandée")
    axe(page)
    page.get_by_role("link", name="Toutes mes commandes").click()
    expect(page.locator(f"tr[data-order-id='{order_id}']")).to_contain_text("Demandée")
    axe(page)

    # The seller hears of it (the header's count, the notifications page) and accepts.
    seller_page.goto(f"{live_server}/offres")
    bell = seller_page.locator("header a[href='/notifications']")
    expect(bell).to_contain_text("1")
    bell.click()
    notice = seller_page.locator("li.notification").first
    expect(notice).to_contain_text("Planches de chêne")
    notice.locator(f"a[href='/commandes/{order_id}']").first.click()
    expect(seller_page).to_have_url(order_url)
    expect(seller_page.locator("main")).to_contain_text("Atelier Rhône Solidaire")
    axe(seller_page)
    seller_page.get_by_role("button", name="Accepter la commande").click()
    expect(seller_page.locator(".flash")).to_contain_text("Commande acceptée")
    expect(seller_page.locator(".transfer-status")).to_have_text("Fonds réservés")
    axe(seller_page)

    # The buyer confirms the reception: the hold is posted.
    page.goto(order_url)
    expect(page.locator(".order-state")).to_have_text("Acceptée")
    page.get_by_role("button", name="Confirmer la réception").click()
    expect(page.locator(".flash")).to_contain_text("Réception confirmée")
    expect(page.locator(".order-state")).to_have_text("Terminée")
    expect(page.locator(".transfer-status")).to_have_text("Versé")
    axe(page)

    # Each member's ledger page: moved by exactly the order's amounts, nothing else.
    buyer_after = balances(page, live_server, buyer)
    seller_after = balances(seller_page, live_server, seller)
    assert buyer_after == {"EUR": buyer_before["EUR"] - EUR_PART,
                           "EUSKO": buyer_before["EUSKO"] - EUSKO_PART,
                           "MUTU": buyer_before["MUTU"]}
    assert seller_after == {"EUR": seller_before["EUR"] + EUR_PART,
                            "EUSKO": seller_before["EUSKO"] + EUSKO_PART,
                            "MUTU": seller_before["MUTU"]}

    # The same pages in English pass axe-core too.
    page.goto(order_url)
    page.click("header button[name=lang][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe(page)
    for path in ("/commandes", f"/offres/{offer.id}"):
        page.goto(f"{live_server}{path}")
        axe(page)
    expect(page.locator("form.order-form")).to_have_count(1)
