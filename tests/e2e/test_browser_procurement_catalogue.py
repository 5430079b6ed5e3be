"""A buyer opens the inclusive catalogue, sees a refused need said at its field and a need
above the threshold refused, previews the eligible structures, orders, and reads the
purchase with its proof and the list of purchases. Every state passes axe-core, in French
and in English."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.procurement_factories import GREEN, make_buyer
from tests.integration.test_procurement_catalogue import past_purchase, structure

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def seeded(db) -> dict:
    """A buyer of La Rochelle and three structures around it, one already served."""
    buyer = make_buyer(db, 60, "Communauté d'agglomération de La Rochelle",
                       funds={"EUR": "5000.00"})
    served = structure(db, 61, "Jardins de l'Aunis")
    structure(db, 62, "Terres de Ré")
    structure(db, 63, "Vert Demain")
    past_purchase(db, buyer, served, 600)
    return {"buyer": buyer}


def fill_need(page, quantity: str, department: str = "17", postcode: str = "") -> None:
    page.select_option("#catalogue-sector", GREEN)
    page.select_option("#catalogue-department", department)
    page.fill("#catalogue-postcode", postcode)
    page.fill("#catalogue-quantity", quantity)
    page.click("form.catalogue-need button[type=submit]")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_buyer_previews_orders_and_reads_the_purchase(page, live_server, axe, seeded,
                                                        lang):
    choose_language(page, live_server, lang)
    sign_in(page, live_server, seeded["buyer"].user.email)
    page.click("header nav a[href='/catalogue']")
    expect(page.locator("h1")).to_have_count(1)
    axe(page)
    # A postcode outside the department: said at the field.
    fill_need(page, "10", postcode="64100")
    expect(page.locator("#catalogue-postcode-error-1")).to_be_visible()
    expect(page.locator("#catalogue-postcode")).to_have_attribute("aria-invalid", "true")
    axe(page)
    # Far beyond the threshold: the refusal says why.
    fill_need(page, "100000")
    expect(page.locator("#catalogue-problem")).to_be_visible()
    axe(page)
    fill_need(page, "10")
    rows = page.locator("table.catalogue-candidates tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text("Jardins de l'Aunis")  # the one served already
    axe(page)
    page.fill("#catalogue-note", "Parc Charruyer, avant le 15")
    page.click("form.catalogue-order button[type=submit]")
    expect(page.locator("#purchase-seed")).to_be_visible()
    expect(page.locator("table.catalogue-ranking tbody tr")).to_have_count(3)
    expect(page.locator("#purchase-script")).to_contain_text("random.Random(")
    axe(page)
    page.click(".breadcrumb a")
    expect(page.locator("table.catalogue-purchases-table tbody tr")).to_have_count(2)
    axe(page)
