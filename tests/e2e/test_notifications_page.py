"""A user with notifications sees their count in the header, opens the page and marks them
read; every state of the page passes axe-core, in French and in English."""

import re

import pytest
from playwright.sync_api import expect

from market.notifications import services
from tests.integration.members_factories import PASSWORD, make_user


def seed(db) -> None:
    """A user with three unread notifications (an order, a question, an expiring offer)."""
    user = make_user(db, "ana@example.org")
    services.notify(db.session, [user.id], "offer_expiring",
                    {"offer_title": "Confitures", "expires_on": "2026-12-31"}, "/")
    services.notify(db.session, [user.id], "question",
                    {"offer_title": "Paniers", "asker_name": "Régie de quartier",
                     "excerpt": "Livrez-vous le samedi ?"}, "/")
    services.notify(db.session, [user.id], "order_requested",
                    {"order_id": 12, "offer_title": "Paniers", "buyer_name": "Coop Txantxangorri"},
                    "/")
    db.session.commit()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_user_sees_the_count_opens_the_page_and_marks_them_read(live_server, page, db, axe,
                                                                  lang):
    seed(db)
    page.goto(f"{live_server}/")
    if lang != "fr":
        page.click(f"header button[name=lang][value={lang}]")
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "ana@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")

    link = page.locator("header a[href='/notifications']")
    expect(link).to_contain_text("3")
    # Screen readers hear the count in words ("3 non lues"; its English comes with the
    # catalogue): the badge itself is hidden from them.
    expect(link.locator(".visually-hidden")).to_have_text(re.compile(r"^3 \w"))
    expect(link.locator(".badge")).to_have_attribute("aria-hidden", "true")
    axe(page)

    link.click()
    expect(page.locator("h1")).to_have_text("Notifications")
    items = page.locator("li.notification")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("12")
    if lang == "fr":
        expect(items.first).to_contain_text("Nouvelle commande n° 12")
    expect(page.locator("li.notification.unread")).to_have_count(3)
    axe(page)

    items.first.locator("form[action$='/read'] button").click()
    expect(page.locator("li.notification.unread")).to_have_count(2)
    expect(page.locator("header a[href='/notifications']")).to_contain_text("2")
    expect(page.locator(".flash")).to_be_visible()
    axe(page)

    page.click("main form[action='/notifications/read-all'] button")
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("header a[href='/notifications']")).to_have_text("Notifications")
    axe(page)


def test_a_user_without_notifications_sees_the_empty_page(live_server, page, db, axe):
    make_user(db, "ben@example.org")
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "ben@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.click("header a[href='/notifications']")
    expect(page.locator("main")).to_contain_text("Aucune notification pour l'instant.")
    axe(page)
