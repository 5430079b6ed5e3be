"""A lot from its sealed bids to a paid invoice, in three browsers: the buyer sees the bids
sealed, then (the deadline past) compares them, marks one's quality (a bad mark refused
first) and awards the grouping; its lead issues an invoice (one beyond the contract refused
first); the buyer pays it (refused while its account lacks the funds); each member's ledger
page shows its share. Every state of every page passes axe-core, in French and English."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

import ledger
from market.platform.database import begin_write
from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.bids_helpers import close_bidding
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_grouping,
    make_lot,
    make_structure,
)

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def seeded(db) -> dict:
    """A buyer with 100 EUR; a grouping's bid (60/40, 500 EUR) and a single one on its lot."""
    buyer = make_buyer(db, 1, "Ville de La Rochelle", funds={"EUR": "100.00"})
    lead = make_structure(db, 2, "Jardins de l'Aunis", "ACI")
    partner = make_structure(db, 3, "Terres de Ré", "EI")
    single = make_structure(db, 4, "Océan Propre", "EI")
    lot = make_lot(db, buyer, reservation="siae", insertion_hours=500)
    grouping = make_grouping(db, lead, [partner])
    bid = make_bid(db, lot, lead, price_eur=500, grouping=grouping,
                   shares={lead.member.id: 6000, partner.member.id: 4000})
    other = make_bid(db, lot, single, price_eur=600, hours=700)
    return {"buyer": buyer, "lead": lead, "partner": partner, "lot": lot, "lot_id": lot.id,
            "bid_id": bid.id, "other_id": other.id}


def past_deadline(db, lot) -> None:
    """The tender's deadline moved into the past, in a write that queues for the lock (the
    live server wrote since this session last read)."""
    db.session.rollback()
    begin_write(db.session)
    close_bidding(db, lot)


@pytest.fixture
def new_page(browser):
    """Pages in browser contexts of their own (own cookies), failing on any CSP block."""
    contexts, blocked = [], []

    def make():
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == [], blocked


def eur_balance(page, live_server, trader, lang: str) -> Decimal:
    """The member's euro balance as its ledger page shows it ("1 000,50" in French,
    "1,000.50" in English)."""
    page.goto(f"{live_server}/ledger/accounts")
    row = page.locator(f"tr[data-account-id='{trader.accounts['EUR']}']")
    expect(row).to_have_count(1)
    shown = row.locator("td").nth(3).inner_text()
    if lang == "fr":
        return Decimal(re.sub(r"[^\d,-]", "", shown).replace(",", "."))
    return Decimal(re.sub(r"[^\d.-]", "", shown))


def credit(db, trader, how_much: str) -> None:
    """Euros for ``trader`` from an outside source (the treasurer's top-up)."""
    source = ledger.create_account(db.engine, "EUR", "source e2e", min_balance=None)["id"]
    ledger.transfer(db.engine, [{"from": source, "to": trader.accounts["EUR"],
                                 "amount": how_much}])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_lot_goes_from_sealed_bids_to_a_paid_invoice_split_between_the_members(
        page, new_page, live_server, axe, db, seeded, lang):
    buyer, lead, partner = seeded["buyer"], seeded["lead"], seeded["partner"]
    lot_id, bid_id, other_id = seeded["lot_id"], seeded["bid_id"], seeded["other_id"]
    holder_page, partner_page = new_page(), new_page()
    for who, browser_page in ((buyer, page), (lead, holder_page), (partner, partner_page)):
        choose_language(browser_page, live_server, lang)
        sign_in(browser_page, live_server, who.user.email)
    lead_before = eur_balance(holder_page, live_server, lead, lang)
    partner_before = eur_balance(partner_page, live_server, partner, lang)

    # Before the deadline: only how many bids, sealed.
    offers = f"{live_server}/lots/{lot_id}/offres"
    page.goto(offers)
    expect(page.locator("#bids-count")).to_contain_text("2")
    expect(page.locator("table.bids-table")).to_have_count(0)
    axe(page)

    # The deadline past: side by side, the cheaper grouping first.
    past_deadline(db, seeded["lot"])
    page.goto(offers)
    rows = page.locator("table.bids-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-bid-id", str(bid_id))
    expect(rows.first).to_contain_text("Terres de Ré")
    axe(page)

    # A mark out of 20 only: a bad one is said at its field.
    mark = page.locator(f"#mark-{other_id}")
    mark.fill("25")
    page.locator(f"tr[data-bid-id='{other_id}'] form.quality-form button").click()
    expect(page.locator(f"#mark-{other_id}-error")).to_be_visible()
    expect(page.locator(f"#mark-{other_id}")).to_have_attribute("aria-invalid", "true")
    axe(page)
    page.locator(f"#mark-{bid_id}").fill("16")
    page.locator(f"tr[data-bid-id='{bid_id}'] form.quality-form button").click()
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator(f"#mark-{bid_id}")).to_have_value("16")
    axe(page)

    # The award: the contract's page.
    page.locator(f"tr[data-bid-id='{bid_id}'] form[action$='/attribuer'] button").click()
    expect(page.locator(".flash")).to_contain_text("Jardins de l'Aunis")
    expect(page.locator("#contract-amount")).to_contain_text("500,00")
    contract_url = page.url
    axe(page)
    page.goto(offers)
    expect(page.locator("form[action$='/attribuer']")).to_have_count(0)
    axe(page)

    # The lead finds the contract in its list and invoices it; too much is refused first.
    holder_page.goto(f"{live_server}/marches")
    holder_page.click("header nav a[href='/contrats']")
    expect(holder_page.locator("table.contracts-table tbody tr")).to_have_count(1)
    axe(holder_page)
    holder_page.locator("table.contracts-table tbody tr a").first.click()
    expect(holder_page).to_have_url(contract_url)
    axe(holder_page)
    holder_page.fill("#invoice-number", "F-2027-004")
    holder_page.fill("#invoice-amount", "600,00")
    holder_page.click("form.invoice-form button[type=submit]")
    expect(holder_page.locator("#invoice-amount-error-1")).to_contain_text("500,00 EUR")
    expect(holder_page.locator("#invoice-amount")).to_have_attribute("aria-invalid", "true")
    axe(holder_page)
    holder_page.fill("#invoice-amount", "300,00")
    holder_page.click("form.invoice-form button[type=submit]")
    expect(holder_page.locator("table.contract-invoices tbody tr")).to_have_count(1)
    expect(holder_page.locator("table.contract-splits")).to_contain_text("180,00")
    axe(holder_page)

    # The buyer pays: refused while its account holds 100 EUR, nothing written; then paid.
    page.goto(contract_url)
    pay = page.locator("form[action$='/payer'] button")
    pay.click()
    expect(page.locator("#pay-problem")).to_be_visible()
    expect(page.locator("#contract-paid")).to_contain_text("0,00")
    axe(page)
    credit(db, buyer, "1000.00")
    page.goto(contract_url)
    page.locator("form[action$='/payer'] button").click()
    expect(page.locator(".flash")).to_contain_text("F-2027-004")
    expect(page.locator("#contract-paid")).to_contain_text("300,00")
    expect(page.locator("form[action$='/payer']")).to_have_count(0)
    axe(page)

    # Each member's ledger page shows its share: 60 % and 40 % of 300,00.
    assert eur_balance(holder_page, live_server, lead, lang) == lead_before + Decimal("180.00")
    assert eur_balance(partner_page, live_server, partner, lang) == \
        partner_before + Decimal("120.00")
    axe(partner_page)
    holder_page.goto(contract_url)
    holder_page.locator("table.contract-invoices a[href^='/ledger/transfers/']").click()
    expect(holder_page.locator("h1")).to_have_count(1)
    axe(holder_page)
