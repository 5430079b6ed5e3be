"""A structure reads the lots it was told of, answers one (a refused answer first) and asks
the buyer; the buyer reads the advice, the funnel and the questions on its lot and answers
one. Every page passes axe-core, in French and in English."""

import pytest
from playwright.sync_api import expect

from market.platform.time import now_utc
from market.procurement.outreach_models import LotQuestion
from tests.e2e.test_accessibility import choose_language, sign_in
from tests.integration.procurement_factories import (
    make_buyer,
    make_grouping,
    make_lot,
    make_opportunity,
    make_structure,
)

#: The pages' rules run on both databases in tests/integration; the browser checks what the
#: page shows and does, once (CI time).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def seeded(db) -> dict:
    """A published lot told to two SIAE; one said no (price), asked a question, answered."""
    buyer = make_buyer(db, 60, "Communauté d'agglomération de La Rochelle")
    aunis = make_structure(db, 61, "Jardins de l'Aunis", "ACI")
    re_ = make_structure(db, 62, "Terres de Ré", "EI", turnover_eur=250_000)
    make_grouping(db, aunis, [re_], name="GIE Vert")
    lot = make_lot(db, buyer, title="Entretien des parcs")
    make_opportunity(db, lot, aunis, rank=1)
    told = make_opportunity(db, lot, re_, rank=2)
    told.interest, told.reason, told.answered_at = "not_interested", "price", now_utc()
    db.session.add_all([
        LotQuestion(lot_id=lot.id, member_id=re_.member.id, question="Le matériel est-il "
                    "fourni ?", answer="Oui, le broyeur.", answered_at=now_utc()),
        LotQuestion(lot_id=lot.id, member_id=re_.member.id,
                    question="Faut-il visiter les parcs ?"),
    ])
    db.session.commit()
    return {"buyer": buyer, "aunis": aunis, "lot": lot}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_structure_reads_and_answers_an_opportunity(page, live_server, axe, seeded, lang):
    choose_language(page, live_server, lang)
    sign_in(page, live_server, seeded["aunis"].user.email)
    page.click("header a[href='/opportunites']")
    expect(page.locator("table.opportunities-table tbody tr")).to_have_count(1)
    axe(page)
    page.locator("table.opportunities-table tbody tr a").first.click()
    expect(page.locator("#answer-form")).to_be_visible()
    axe(page)
    # Not interested without a reason: refused, the page says why.
    page.check("#interest-not_interested")
    page.fill("#answer-comment", "Pas avant mars")
    page.click("#answer-form button[type=submit]")
    expect(page.locator("#answer-problems")).to_be_visible()
    expect(page.locator("#answer-comment")).to_have_value("Pas avant mars")
    axe(page)
    page.select_option("#answer-reason", "deadline")
    page.click("#answer-form button[type=submit]")
    expect(page.locator("p.current-answer")).to_be_visible()
    axe(page)
    page.fill("#question-text", "Les horaires sont-ils imposés ?")
    page.click("#question-form button[type=submit]")
    expect(page.locator("li.question")).to_have_count(3)
    axe(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_buyer_reads_the_advice_the_funnel_and_answers_a_question(page, live_server, axe,
                                                                     seeded, lang):
    choose_language(page, live_server, lang)
    sign_in(page, live_server, seeded["buyer"].user.email)
    page.goto(f"{live_server}/lots/{seeded['lot'].id}")
    expect(page.locator("section.lot-advice")).to_be_visible()
    expect(page.locator("section.lot-funnel svg")).to_be_visible()
    expect(page.locator("form.question-answer")).to_have_count(1)
    axe(page)
    page.click("form.question-answer button[type=submit]")  # empty: refused
    expect(page.locator("form.question-answer p.error")).to_be_visible()
    axe(page)
    page.fill("form.question-answer textarea", "Oui, une visite le 3 mars.")
    page.click("form.question-answer button[type=submit]")
    expect(page.locator("form.question-answer")).to_have_count(0)
    axe(page)
