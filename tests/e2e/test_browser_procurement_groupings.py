"""A structure proposes a grouping for a lot, the invitee accepts in its own browser, and the
lead bids for the grouping: shares of 50 and 40 are refused (they must make 100), 60 and 40
go through. Every page state passes axe-core, in French and in English."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.procurement_factories import GREEN, make_buyer, make_lot, make_structure

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def seeded(db) -> dict:
    """A buyer's lot reserved to SIAE with a 500-hour clause, and two SIAE around it."""
    buyer = make_buyer(db, 60, "Ville de La Rochelle")
    lead = make_structure(db, 61, "Jardins de l'Aunis", "ACI")
    partner = make_structure(db, 62, "Terres de Ré", "EI")
    make_structure(db, 63, "Régie de quartier", "ACI")
    lot = make_lot(db, buyer, title="Entretien des parcs", insertion_hours=500)
    return {"lead": lead, "partner": partner, "lot": lot}


@pytest.fixture
def partner_page(browser):
    """A second browser context, for the invited structure (its own cookies)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert blocked == [], blocked


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_grouping_is_proposed_accepted_and_bids_with_shares_making_100(
        page, partner_page, live_server, axe, seeded, lang):
    lead, partner, lot = seeded["lead"], seeded["partner"], seeded["lot"]
    choose_language(page, live_server, lang)
    sign_in(page, live_server, lead.user.email)

    # The lead's groupings (none yet), then the proposal form for the lot.
    page.goto(f"{live_server}/groupements")
    expect(page.locator("h1")).to_contain_text("Jardins de l'Aunis")
    axe(page)
    page.goto(f"{live_server}/groupements/nouveau?lot={lot.id}")
    expect(page.locator("#grouping-lot")).to_have_value(str(lot.id))
    axe(page)
    page.fill("#structure-search", "Terres")
    page.click("form[role=search] button[type=submit]")
    expect(page.locator("input[name=members]")).to_have_count(1)
    axe(page)

    # A first try inviting nobody: refused, what was typed and chosen kept.
    form = page.locator("#grouping-form")
    form.locator("#grouping-name").fill("Parcs ensemble")
    form.locator("#kind-joint").check()
    form.locator(f"#sector-{GREEN.replace('.', '-')}").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#grouping-problems")).to_be_visible()
    expect(page.locator("#members-error-1")).to_be_visible()
    expect(page.locator("#grouping-name")).to_have_value("Parcs ensemble")
    expect(page.locator("#kind-joint")).to_be_checked()
    axe(page)
    page.locator(f"#invite-{partner.member.id}").check()
    page.locator("#grouping-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Parcs ensemble")
    expect(page.locator("#grouping-members tbody tr")).to_have_count(2)
    grouping_url = page.url
    assert re.search(r"/groupements/\d+$", grouping_url)
    axe(page)

    # The invitee, in its own browser: the invitation first on its list, then accepted.
    choose_language(partner_page, live_server, lang)
    sign_in(partner_page, live_server, partner.user.email)
    partner_page.goto(f"{live_server}/groupements")
    expect(partner_page.locator("#waiting-table")).to_contain_text("Parcs ensemble")
    axe(partner_page)
    partner_page.locator("#waiting-table a").first.click()
    expect(partner_page.locator("section.grouping-answer")).to_be_visible()
    axe(partner_page)
    partner_page.click("section.grouping-answer form[action$='/accepter'] button")
    expect(partner_page.locator(".flash")).to_be_visible()
    expect(partner_page.locator("section.grouping-answer")).to_have_count(0)
    axe(partner_page)

    # The lead, now leading a formed grouping, answers the lot for it.
    page.goto(grouping_url)
    page.locator(f"a[href*='/lots/{lot.id}/repondre']").click()
    expect(page.locator("#bid-grouping")).to_have_value(re.compile(r"\d+"))
    expect(page.locator("#bid-hours")).to_have_value("500")
    axe(page)
    page.fill("#bid-price", "55 000,00")
    page.fill("#bid-hours", "600")
    page.fill("#bid-summary", "Deux équipes, l'une en tonte, l'autre en taille.")
    page.fill(f"#share-{lead.member.id}-percent", "50")
    page.fill(f"#share-{lead.member.id}-work", "Tonte")
    page.fill(f"#share-{partner.member.id}-percent", "40")
    page.fill(f"#share-{partner.member.id}-work", "Taille")
    page.click("#bid-form button[type=submit]")
    expect(page.locator("#shares-error-1")).to_contain_text("90.00")
    expect(page.locator("#bid-price")).to_have_value("55 000,00")
    axe(page)
    page.fill(f"#share-{lead.member.id}-percent", "60")
    page.click("#bid-form button[type=submit]")
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator("table.bid-shares tbody tr")).to_have_count(2)
    expect(page.locator("table.bid-shares")).to_contain_text("60,00")
    axe(page)

    # The list shows the grouping formed.
    page.goto(f"{live_server}/groupements")
    expect(page.locator("#others-table")).to_contain_text("Parcs ensemble")
    axe(page)
