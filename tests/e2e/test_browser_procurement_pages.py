"""A buyer imports a notice in the browser, reads its tender and a lot's matches; a refused
file says why. Every page passes axe-core, in French and in English."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.procurement_factories import make_buyer, make_structure
from tests.integration.test_procurement_import import FIXTURES

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only

#: Two lots around La Rochelle, the first one green spaces reserved to SIAE and EA/ESAT.
TWO_LOTS = FIXTURES / "ocds-two-lots.json"


@pytest.fixture
def seeded(db) -> dict:
    """A buyer of La Rochelle and two SIAE around it, in the green-space trade."""
    buyer = make_buyer(db, 60, "Communauté d'agglomération de La Rochelle")
    make_structure(db, 61, "Jardins de l'Aunis", "ACI")
    make_structure(db, 62, "Terres de Ré", "EI", turnover_eur=250_000)
    return {"buyer": buyer}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_buyer_imports_a_notice_and_reads_the_matches_of_its_lots(page, live_server, axe,
                                                                    seeded, lang):
    choose_language(page, live_server, lang)
    sign_in(page, live_server, seeded["buyer"].user.email)
    page.goto(f"{live_server}/marches/importer")
    axe(page)
    # A refused file first: the page says why.
    page.set_input_files("#notice-file", str(FIXTURES / "ocds-invalid.json"))
    page.click("main form button[type=submit]")
    expect(page.locator("#import-problems")).to_be_visible()
    axe(page)
    page.set_input_files("#notice-file", str(TWO_LOTS))
    page.click("main form button[type=submit]")
    expect(page.locator("table.lots-table tbody tr")).to_have_count(2)
    axe(page)
    page.locator("table.lots-table tbody tr").first.locator("a").click()
    expect(page.locator("section.lot-matches")).to_be_visible()
    axe(page)
    page.locator("section.lot-matches details").first.click()  # the points' detail open
    axe(page)
    page.goto(f"{live_server}/marches?mine=1")
    expect(page.locator("table.tenders-table tbody tr")).to_have_count(1)
    axe(page)
