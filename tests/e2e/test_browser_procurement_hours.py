"""Insertion hours in the browser: a grouping member reports hours on the contract's page (a
refused value first), the clause facilitator validates one report and questions another (an
empty question first), the member sees the question and corrects the report, the contract's
page draws the chart, the buyer reads the totals. Every page state passes axe-core, in
French and in English."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from market.auth.roles import Role
from market.procurement import facilitators
from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.members_factories import make_user
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_contract,
    make_grouping,
    make_lot,
    make_structure,
)

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def seeded(db) -> dict:
    """A contract of La Rochelle held by a grouping of two SIAE, awarded in January 2025,
    and the clause facilitator of Charente-Maritime."""
    buyer = make_buyer(db, 80, "Communauté d'agglomération de La Rochelle")
    holder = make_structure(db, 81, "Jardins de l'Aunis")
    partner = make_structure(db, 82, "Terres de Ré", "EI")
    lot = make_lot(db, buyer)
    grouping = make_grouping(db, holder, [partner])
    bid = make_bid(db, lot, holder, grouping=grouping,
                   shares={holder.member.id: 6000, partner.member.id: 4000})
    contract = make_contract(db, lot, bid)
    contract.awarded_at = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    db.session.commit()
    facilitator = make_user(db, email="anim17@example.org",
                            roles=[(Role.clause_facilitator, None)])
    facilitators.set_departments(db.session, facilitator, ["17"])
    db.session.commit()
    return {"buyer": buyer.user.email, "partner": partner.user.email,
            "facilitator": facilitator.email, "contract": contract.id}


def as_user(page, live_server, lang: str, email: str) -> None:
    """Start afresh as ``email`` in ``lang``."""
    page.context.clear_cookies()
    choose_language(page, live_server, lang)
    sign_in(page, live_server, email)


def report(page, month: str, category: str, hours: str, people: str) -> None:
    page.fill("#report-month", month)
    page.select_option("#report-category", category)
    page.fill("#report-hours", hours)
    page.fill("#report-people", people)
    page.click("#report-form button[type=submit]")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_hours_are_reported_reviewed_corrected_and_totalled(page, live_server, axe, seeded,
                                                            lang):
    hours_page = f"{live_server}/contrats/{seeded['contract']}/heures"
    as_user(page, live_server, lang, seeded["partner"])
    page.goto(hours_page)
    expect(page.locator("#report-form")).to_be_visible()
    axe(page)
    report(page, "2025-02", "long_term_unemployed", "beaucoup", "1")  # refused: not hours
    expect(page.locator("#report-problems")).to_be_visible()
    expect(page.locator("#report-hours")).to_have_value("beaucoup")  # what was typed stays
    expect(page.locator("#report-hours")).to_have_attribute("aria-invalid", "true")
    axe(page)
    report(page, "2025-02", "long_term_unemployed", "151,67", "1")
    expect(page.locator("p.flash-success")).to_be_visible()
    report(page, "2025-03", "youth", "35.5", "2")
    expect(page.locator("table.hours-reports-table tbody tr")).to_have_count(2)
    expect(page.locator("figure.hours-chart svg[role=img]")).to_be_visible()
    axe(page)

    as_user(page, live_server, lang, seeded["facilitator"])
    page.click("header a[href='/facilitateur']")
    expect(page.locator("li.desk-report")).to_have_count(2)
    axe(page)
    first, second = page.locator("li.desk-report").nth(0), page.locator("li.desk-report").nth(1)
    first.locator("textarea[id^=validate-comment]").fill("Conforme aux fiches de paie.")
    first.locator("form").nth(0).locator("button").click()
    expect(page.locator("li.desk-report")).to_have_count(1)
    axe(page)
    second = page.locator("li.desk-report").first
    second.locator("textarea[id^=question-comment]").fill("   ")  # only spaces: refused
    second.locator("form").nth(1).locator("button").click()
    expect(page.locator("#review-problems")).to_be_visible()
    axe(page)
    second = page.locator("li.desk-report").first
    second.locator("textarea[id^=question-comment]").fill("Deux jeunes pour 35,5 heures ?")
    second.locator("form").nth(1).locator("button").click()
    expect(page.locator("li.desk-report")).to_have_count(0)
    page.select_option("#desk-status", "all")
    page.click("form.filters button[type=submit]")
    expect(page.locator("li.desk-report")).to_have_count(2)
    expect(page.locator("table.desk-summary-table tbody tr")).to_have_count(1)
    axe(page)
    page.goto(hours_page)
    expect(page.locator("figure.hours-chart svg[role=img]")).to_be_visible()
    expect(page.locator("table.hours-table tbody tr")).to_have_count(3)  # from the award
    expect(page.locator("[data-figure=validated]")).to_have_text("151.67")
    axe(page)

    as_user(page, live_server, lang, seeded["partner"])
    page.goto(hours_page)
    page.locator("tr[data-status=questioned] a").click()
    expect(page.locator("p.hours-question")).to_contain_text("Deux jeunes pour 35,5 heures ?")
    expect(page.locator("#report-hours")).to_have_value("35.50")
    axe(page)
    page.fill("#report-people", "1")
    page.click("#report-form button[type=submit]")
    expect(page.locator("tr[data-status=questioned]")).to_have_count(0)

    as_user(page, live_server, lang, seeded["buyer"])
    page.click("header a[href='/acheteur/heures']")
    expect(page.locator("[data-figure=committed]")).to_have_text("600.00")
    expect(page.locator("[data-figure=validated]")).to_have_text("151.67")
    expect(page.locator("table.buyer-hours-table tbody tr")).to_have_count(1)
    expect(page.locator("a[href$='/acheteur/heures.csv']")).to_be_visible()
    axe(page)
