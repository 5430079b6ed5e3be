"""A buyer writes a tender in the browser, adds a lot, is told a CPV code is unknown, fixes
it and publishes; every state of every page passes axe-core, in French and in English."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from market.platform.time import now_utc
from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.procurement_factories import make_buyer, make_structure

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def seeded(db) -> dict:
    """A buyer of La Rochelle and an SIAE around it, in the green-space trade."""
    buyer = make_buyer(db, 60, "Ville de La Rochelle")
    make_structure(db, 61, "Jardins de l'Aunis", "ACI")
    return {"buyer": buyer}


def submit(page) -> None:
    page.click("main form.member-form button[type=submit]")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_buyer_writes_a_tender_with_a_lot_fixes_its_cpv_code_and_publishes(
        page, live_server, axe, seeded, lang):
    choose_language(page, live_server, lang)
    sign_in(page, live_server, seeded["buyer"].user.email)
    page.goto(f"{live_server}/marches")
    axe(page)
    page.click("main a[href$='/marches/nouveau']")
    expect(page.locator("#f-title")).to_be_visible()
    axe(page)

    # The tender: a title too short first, then right.
    page.fill("#f-title", "Ab")
    page.fill("#f-deadline_date", (now_utc() + timedelta(days=30)).date().isoformat())
    page.fill("#f-deadline_time", "12:00")
    page.select_option("#f-procedure", "open")
    page.fill("#f-documents-0-title", "Règlement de consultation")
    page.fill("#f-documents-0-url", "https://example.org/rc.pdf")
    submit(page)
    expect(page.locator("#f-title-error-1")).to_be_visible()
    expect(page.locator("#f-title")).to_have_attribute("aria-invalid", "true")
    axe(page)
    page.fill("#f-title", "Entretien des espaces verts")
    submit(page)
    expect(page.locator("main .tender-actions")).to_be_visible()
    axe(page)

    # Publishing without a lot is refused on the tender's page.
    page.click("main form[action$='/publier'] button")
    expect(page.locator("#tender-problems")).to_be_visible()
    axe(page)

    # A lot whose additional CPV code is unknown, then fixed.
    page.click("main a[href$='/lots/nouveau']")
    expect(page.locator("#f-cpv_main")).to_be_visible()
    axe(page)
    page.fill("#f-title", "Tonte des parcs")
    page.fill("#f-cpv_main", "77310000")
    page.fill("#f-cpv_additional", "99999999")
    page.fill("#f-estimated_value", "60 000")
    page.fill("#f-place-postcode", "17000")
    page.fill("#f-place-city", "La Rochelle")
    page.check("#f-reservation-siae")
    page.fill("#f-insertion_hours", "500")
    page.select_option("#f-criteria-0-kind", "price")
    page.fill("#f-criteria-0-weight", "60")
    page.select_option("#f-criteria-1-kind", "social")
    page.fill("#f-criteria-1-weight", "40")
    submit(page)
    expect(page.locator("#f-cpv_additional-error-1")).to_contain_text("99999999")
    expect(page.locator("#f-title")).to_have_value("Tonte des parcs")
    axe(page)
    page.fill("#f-cpv_additional", "77313000")
    submit(page)
    expect(page.locator("table.lots-table tbody tr")).to_have_count(1)
    axe(page)

    # The saved lot's form names its codes.
    page.click("main ul.lot-actions a[href$='/modifier']")
    expect(page.locator("ul.saved-cpv li")).to_have_count(2)
    axe(page)
    page.click("main p.lead a")  # back to the tender

    page.click("main form[action$='/publier'] button")
    expect(page.locator("main .badge-status.state-published")).to_be_visible()
    expect(page.locator("main form[action$='/publier']")).to_have_count(0)
    axe(page)
