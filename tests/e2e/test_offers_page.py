"""A member posts an offer with an image, publishes it, and finds it on the search page; every
page on the way passes axe-core, the form with its errors shown too, in French and English."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.browser_helpers import sign_in
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Images stored under the test's own directory."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (150, 100, 60)).save(out, format="PNG")
    return out.getvalue()


def test_a_member_posts_an_offer_with_an_image_publishes_it_and_finds_it(live_server, page,
                                                                         db, axe):
    seller = make_trader(db, 1, "Menuiserie du Labourd", inclusion_kind="EI")
    sign_in(page, live_server, seller.user.email)

    page.goto(f"{live_server}/offres")
    page.click("text=Nouvelle offre")
    expect(page.locator("h1")).to_have_text("Nouvelle offre")
    axe(page)

    # A first try with mistakes: each message is shown by its field, and tied to it.
    page.fill("#title", "Pl")
    page.select_option("#sector", "wood.carpentry")
    page.fill("#unit", "planche")
    page.fill("#price", "12,50")
    page.fill("#quantity", "dix")
    page.click("form.offer-form button[type=submit]")
    expect(page.locator("#title-error-1")).to_contain_text("Longueur de 3 à 160")
    expect(page.locator("#quantity-error-1")).to_contain_text("Nombre entier attendu")
    expect(page.locator("#quantity")).to_have_attribute("aria-invalid", "true")
    assert "quantity-error-1" in page.locator("#quantity").get_attribute("aria-describedby")
    axe(page)

    page.fill("#title", "Planches de chêne")
    page.fill("#description", "Chêne du Pays basque.\nSéché deux ans.")
    page.fill("#quantity", "")
    page.fill("#currency_share", "30")
    page.check("input[name=accepted_currencies][value=MUTU]")
    page.select_option("#deliveries-0-kind", "pickup")
    page.fill("#deliveries-0-address", "1 quai de l'Adour, Bayonne")
    page.set_input_files("#images", files=[{"name": "planches.png", "mimeType": "image/png",
                                            "buffer": png()}])
    page.fill("#images_alt", "Une pile de planches de chêne")
    page.click("form.offer-form button[type=submit]")

    expect(page.locator("h1")).to_have_text("Planches de chêne")
    expect(page.locator("main")).to_contain_text("enregistrée en brouillon")
    expect(page.locator(".offer-owner")).to_contain_text("Brouillon")
    image = page.locator(".offer-gallery img")
    expect(image).to_have_attribute("alt", "Une pile de planches de chêne")
    page.wait_for_function("() => document.querySelector('.offer-gallery img').naturalWidth > 0")
    axe(page)

    page.click(".offer-owner form[action$='/publier'] button")
    expect(page.locator("main")).to_contain_text("L'offre est publiée.")
    expect(page.locator(".offer-owner")).to_contain_text("Publiée")
    axe(page)

    page.goto(f"{live_server}/mes-offres")
    card = page.locator(".offer-card", has_text="Planches de chêne")
    expect(card).to_contain_text("Publiée")
    expect(card.locator("form[action*='/pause?'] button")).to_have_count(1)
    axe(page)

    # Anyone finds it on the search page, and opens it.
    page.goto(f"{live_server}/offres")
    page.fill("#search-q", "chêne")
    page.select_option("#search-accepts", "MUTU")
    page.click("form.offer-filters button[type=submit]")
    found = page.locator(".offer-card", has_text="Planches de chêne")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("12,50 EUR / planche")
    expect(found).to_contain_text("dont 30 % en MUTU")
    expect(found).to_contain_text("Menuiserie du Labourd")
    expect(found.locator("img.offer-thumb")).to_have_attribute(
        "alt", "Une pile de planches de chêne")
    axe(page)
    found.get_by_role("link", name="Planches de chêne").click()
    expect(page).to_have_url(re.compile(r"/offres/\d+$"))
    expect(page.locator(".offer-description")).to_contain_text("Séché deux ans.")
    expect(page.locator(".offer-deliveries")).to_contain_text("1 quai de l'Adour")

    # The edit form shows the offer's values and its image, with a way to remove it.
    page.click(".offer-owner a:has-text('Modifier')")
    expect(page.locator("h1")).to_have_text("Modifier l'offre")
    expect(page.locator("#price")).to_have_value("12.50")
    expect(page.locator("input[name=remove_images]")).to_have_count(1)
    axe(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_offers_pages_pass_axe_in_both_languages(live_server, page, db, axe, lang):
    seller = make_trader(db, 1, "Menuiserie du Labourd", inclusion_kind="EI")
    offer = make_offer(db, seller, currency_share=30, accepted_currencies=["MUTU"],
                       deliveries=[{"kind": "pickup", "address": "Le port"}])
    for n in range(25):  # a second page
        make_offer(db, seller, title=f"Offre {n:02d}")
    sign_in(page, live_server, seller.user.email)
    if lang != "fr":
        page.click(f"header button[name=lang][value={lang}]")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.goto(f"{live_server}/offres?department=64&sort=distance&price_max=abc")
    expect(page.locator("main .error")).to_have_count(1)  # the refused price
    expect(page.locator("a[rel=next]")).to_have_count(1)
    axe(page)
    page.goto(f"{live_server}/offres?q=introuvable")
    expect(page.locator(".empty")).to_have_count(1)
    axe(page)
    for path in (f"/offres/{offer.id}", "/mes-offres", f"/offres/{offer.id}/modifier"):
        page.goto(f"{live_server}{path}")
        axe(page)
    page.goto(f"{live_server}/offres/nouvelle")
    expect(page.locator("#share_min")).to_be_hidden()  # for share offers only
    page.select_option("#kind", "share")
    expect(page.locator("#share_min")).to_be_visible()
    page.fill("#valid_until", "2020-01-01")
    page.select_option("#deliveries-1-kind", "delivery_radius")
    page.fill("#deliveries-1-radius_km", "900")
    page.click("form.offer-form button[type=submit]")
    expect(page.locator("#title-error-1")).to_have_count(1)
    expect(page.locator("#deliveries-1-radius_km-error-1")).to_have_count(1)
    axe(page)
