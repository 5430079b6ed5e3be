"""A member asks about an offer, stars it and saves a want; the seller answers and sees the
wants its offer could answer. Every state passes axe-core.

The offer page is served with the community includes (questions, star, renewal) the way
templates/offers/offer.html is to include them (tests.integration.test_offers_questions).
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_helpers import sign_in
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture
def world(app, db) -> dict:
    seller = make_trader(db, 1, "Menuiserie du Labourd")
    buyer = make_trader(db, 2, "Jardins de l'Adour")
    offer = make_offer(db, seller, title="Planches de chêne", description="Chêne du Labourd.")
    return {"seller": seller, "buyer": buyer, "offer": offer}


def test_ask_star_and_want_then_the_seller_answers(live_server, page, world, axe):
    offer_url = f"{live_server}/offres/{world['offer'].id}"
    page.goto(offer_url)
    expect(page.locator("#questions")).to_contain_text("Connectez-vous pour poser une question.")
    axe(page)

    sign_in(page, live_server, world["buyer"].user.email)
    page.goto(offer_url)
    axe(page)
    page.fill("#question-text", "Quelle épaisseur font les planches ?")
    page.click("form.ask-question button[type=submit]")
    expect(page.locator(".question-list li")).to_contain_text("Quelle épaisseur")
    expect(page.locator(".question-list li")).to_contain_text("En attente de réponse")
    axe(page)

    page.click("form.star button")
    expect(page.locator("form.star button")).to_contain_text("Retirer des favoris")
    axe(page)
    page.click("header a[href='/favoris']")
    expect(page.locator("h1")).to_have_text("Favoris")
    expect(page.locator(".favourite-offers")).to_contain_text("Planches de chêne")
    axe(page)

    page.click("header a[href='/mes-besoins']")
    expect(page.locator("h1")).to_have_text("Mes besoins")
    axe(page)
    page.fill("input[name=title]", "Bois pour le hangar")
    page.fill("input[name=keywords]", "chêne")
    page.fill("input[name=budget]", "douze")
    page.click("main form.member-form button[type=submit]")
    expect(page.locator("#budget[aria-invalid=true]")).to_have_count(1)
    axe(page)  # the form with its errors
    page.fill("input[name=budget]", "20")
    page.select_option("select[name=reach]", "national")
    page.click("main form.member-form button[type=submit]")
    card = page.locator("li.want")
    expect(card).to_contain_text("Bois pour le hangar")
    expect(card.locator(".want-offers")).to_contain_text("Planches de chêne")
    axe(page)

    page.click("header form button:has-text('Se déconnecter')")
    sign_in(page, live_server, world["seller"].user.email)
    page.goto(offer_url)
    page.fill(".question-list textarea[name=answer]", "Vingt-sept millimètres.")
    page.click(".question-list form button[type=submit]")
    expect(page.locator(".question-list .answer")).to_contain_text("Vingt-sept millimètres.")
    axe(page)
    page.goto(f"{live_server}/mes-offres/besoins")
    expect(page.locator(".offer-wants")).to_contain_text("Bois pour le hangar")
    axe(page)


def test_the_wants_page_passes_axe_in_english_too(live_server, page, world, axe):
    page.goto(f"{live_server}/")
    page.click("header button[name=lang][value=en]")
    sign_in(page, live_server, world["buyer"].user.email)
    page.goto(f"{live_server}/mes-besoins")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe(page)
    page.goto(f"{live_server}/offres/{world['offer'].id}")
    axe(page)
