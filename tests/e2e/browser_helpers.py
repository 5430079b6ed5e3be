"""Steps the browser tests share."""

from playwright.sync_api import expect

from tests.integration.members_factories import PASSWORD


def sign_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait until the header names the user."""
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    expect(page.locator("header")).to_contain_text(email)
