"""The whole procurement flow in a browser, as the issue tells it: a buyer imports a notice,
moves its deadline ahead and publishes it, reads a lot's advice and matches; two SIAE form a
grouping on the pages and its lead bids 60/40; the deadline past, the buyer awards the
grouping; the lead invoices, the buyer pays, each member's ledger page shows its share; a
member reports hours and the clause facilitator validates them. Every page state passes
axe-core in French and in English."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from market.auth.roles import Role
from market.platform.database import begin_write
from market.platform.time import now_utc
from market.procurement import facilitators
from market.procurement.contract_models import Contract
from market.procurement.models import Tender
from tests.e2e.test_browser_procurement_contracts import eur_balance
from tests.e2e.test_browser_procurement_hours import as_user, report
from tests.integration.members_factories import make_user
from tests.integration.procurement_factories import GREEN, make_buyer, make_structure
from tests.integration.test_procurement_import import FIXTURES

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only

#: Two lots around La Rochelle, the first one green spaces reserved to SIAE and EA/ESAT.
TWO_LOTS = FIXTURES / "ocds-two-lots.json"


@pytest.fixture
def seeded(db) -> dict:
    """A buyer with 100,000 EUR, three SIAE around La Rochelle in the green-space trade, and
    the clause facilitator of Charente-Maritime."""
    buyer = make_buyer(db, 90, "Ville de Démo-sur-Mer", funds={"EUR": "100000.00"})
    lead = make_structure(db, 91, "Jardins de l'Aunis", "ACI")
    partner = make_structure(db, 92, "Terres de Ré", "EI")
    make_structure(db, 93, "Régie de quartier", "ACI")
    facilitator = make_user(db, email="anim17@example.org",
                            roles=[(Role.clause_facilitator, None)])
    facilitators.set_departments(db.session, facilitator, ["17"])
    db.session.commit()
    return {"buyer": buyer, "lead": lead, "partner": partner,
            "facilitator": facilitator.email}


def written(db, model, row_id: int, **values) -> None:
    """Set ``values`` on a row, in a write that queues for the lock and reads afresh (the
    live server wrote since this session last read)."""
    db.session.rollback()
    begin_write(db.session)
    row = db.session.get(model, row_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


def amount(text: str) -> re.Pattern:
    """An amount as either language shows it: "1000.00" matches "1 000,00" and "1,000.00"."""
    units, cents = text.split(".")
    groups = [units[max(0, i - 3):i] for i in range(len(units), 0, -3)][::-1]
    return re.compile(r"[\s,.\u202f]?".join(groups) + r"[,.]" + cents)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_notice_goes_from_import_to_a_paid_invoice_and_validated_hours(page, live_server,
                                                                        axe, db, seeded, lang):
    buyer, lead, partner = seeded["buyer"], seeded["lead"], seeded["partner"]

    # The buyer imports the notice: a draft tender with its two lots.
    as_user(page, live_server, lang, buyer.user.email)
    page.goto(f"{live_server}/marches/importer")
    axe(page)
    page.set_input_files("#notice-file", str(TWO_LOTS))
    page.click("main form button[type=submit]")
    expect(page.locator("table.lots-table tbody tr")).to_have_count(2)
    expect(page.locator("main .badge-status.state-draft")).to_be_visible()
    tender_url = page.url
    tender_id = int(re.search(r"/marches/(\d+)$", tender_url).group(1))
    axe(page)

    # The notice's deadline is past: the buyer moves it a month ahead, then publishes.
    page.click("main .tender-actions a[href$='/modifier']")
    page.fill("#f-deadline_date", (now_utc() + timedelta(days=30)).date().isoformat())
    page.fill("#f-deadline_time", "12:00")
    axe(page)
    page.click("main form.member-form button[type=submit]")
    expect(page).to_have_url(tender_url)
    page.click("main form[action$='/publier'] button")
    expect(page.locator("main .badge-status.state-published")).to_be_visible()
    axe(page)
    green_row = page.locator("table.lots-table tbody tr", has_text="Entretien des espaces verts")
    lot_id = int(green_row.get_attribute("data-lot-id"))

    # The lot's page: the advice and who can answer, the grouping's members among them.
    green_row.locator("a").click()
    expect(page.locator("section.lot-advice")).to_be_visible()
    expect(page.locator("section.lot-matches")).to_contain_text("Jardins de l'Aunis")
    expect(page.locator("section.lot-matches")).to_contain_text("Terres de Ré")
    axe(page)

    # The lead proposes a grouping for the lot; the partner accepts it.
    as_user(page, live_server, lang, lead.user.email)
    page.goto(f"{live_server}/groupements/nouveau?lot={lot_id}")
    page.fill("#structure-search", "Terres")
    page.click("form[role=search] button[type=submit]")
    form = page.locator("#grouping-form")
    form.locator("#grouping-name").fill("Parcs ensemble")
    form.locator("#kind-joint").check()
    form.locator(f"#sector-{GREEN.replace('.', '-')}").check()
    form.locator(f"#invite-{partner.member.id}").check()
    axe(page)
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Parcs ensemble")
    grouping_url = page.url
    axe(page)
    as_user(page, live_server, lang, partner.user.email)
    page.goto(grouping_url)
    page.click("section.grouping-answer form[action$='/accepter'] button")
    expect(page.locator("section.grouping-answer")).to_have_count(0)
    axe(page)

    # The lead bids for the grouping, 60 % for itself and 40 % for its partner.
    as_user(page, live_server, lang, lead.user.email)
    page.goto(grouping_url)
    page.locator(f"a[href*='/lots/{lot_id}/repondre']").click()
    expect(page.locator("#bid-grouping")).to_have_value(re.compile(r"\d+"))
    page.fill("#bid-price", "95 000,00")
    page.fill("#bid-hours", "600")
    page.fill("#bid-summary", "Deux équipes, l'une en tonte, l'autre en taille.")
    page.fill(f"#share-{lead.member.id}-percent", "60")
    page.fill(f"#share-{lead.member.id}-work", "Tonte")
    page.fill(f"#share-{partner.member.id}-percent", "40")
    page.fill(f"#share-{partner.member.id}-work", "Taille")
    page.click("#bid-form button[type=submit]")
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator("table.bid-shares tbody tr")).to_have_count(2)
    axe(page)

    # The deadline past, the buyer compares the bids and awards the grouping's.
    written(db, Tender, tender_id, deadline=now_utc() - timedelta(days=1))
    as_user(page, live_server, lang, buyer.user.email)
    page.goto(f"{live_server}/lots/{lot_id}")
    page.click("main a[href$='/offres']")
    rows = page.locator("table.bids-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Terres de Ré")
    axe(page)
    rows.first.locator("form[action$='/attribuer'] button").click()
    expect(page.locator(".flash")).to_contain_text("Jardins de l'Aunis")
    expect(page.locator("#contract-amount")).to_contain_text(amount("95000.00"))
    contract_url = page.url
    contract_id = int(re.search(r"/contrats/(\d+)$", contract_url).group(1))
    axe(page)

    # The lead invoices 1,000.00 EUR; the buyer pays it; the members' ledgers show 60/40.
    as_user(page, live_server, lang, lead.user.email)
    assert eur_balance(page, live_server, lead, lang) == Decimal("0.00")
    page.goto(contract_url)
    page.fill("#invoice-number", "F-2027-001")
    page.fill("#invoice-amount", "1 000,00")
    page.click("form.invoice-form button[type=submit]")
    expect(page.locator("table.contract-invoices tbody tr")).to_have_count(1)
    axe(page)
    as_user(page, live_server, lang, buyer.user.email)
    page.goto(contract_url)
    page.locator("form[action$='/payer'] button").click()
    expect(page.locator(".flash")).to_contain_text("F-2027-001")
    expect(page.locator("#contract-paid")).to_contain_text(amount("1000.00"))
    axe(page)
    as_user(page, live_server, lang, lead.user.email)
    assert eur_balance(page, live_server, lead, lang) == Decimal("600.00")
    axe(page)
    as_user(page, live_server, lang, partner.user.email)
    assert eur_balance(page, live_server, partner, lang) == Decimal("400.00")
    axe(page)

    # The partner reports last month's hours (the contract awarded two months ago).
    written(db, Contract, contract_id, awarded_at=now_utc() - timedelta(days=62))
    last_month = (now_utc().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    hours_page = f"{contract_url}/heures"
    page.goto(contract_url)
    page.click("#contract-hours-link")
    expect(page).to_have_url(hours_page)
    report(page, last_month, "long_term_unemployed", "151,67", "1")
    expect(page.locator("p.flash-success")).to_be_visible()
    expect(page.locator("table.hours-reports-table tbody tr")).to_have_count(1)
    axe(page)

    # The facilitator validates it; the contract's hours page counts it.
    as_user(page, live_server, lang, seeded["facilitator"])
    page.click("header a[href='/facilitateur']")
    expect(page.locator("li.desk-report")).to_have_count(1)
    axe(page)
    desk = page.locator("li.desk-report").first
    desk.locator("textarea[id^=validate-comment]").fill("Conforme aux fiches de paie.")
    desk.locator("form").nth(0).locator("button").click()
    expect(page.locator("li.desk-report")).to_have_count(0)
    axe(page)
    page.goto(hours_page)
    expect(page.locator("[data-figure=validated]")).to_have_text("151.67")
    expect(page.locator("figure.hours-chart svg[role=img]")).to_be_visible()
    axe(page)

