"""Strict security headers on a page, an API answer, an error page and a static file."""

import re

import pytest

from market import create_app
from tests.conftest import make_config

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy of a response, by directive."""
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in header.split(";") if d.strip()}


@pytest.mark.parametrize("path", ["/", "/api/v1/sectors", "/nulle-part", "/api/v1/nothing",
                                  "/static/css/app.css", "/api/v1/docs"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # a static file is streamed from disk
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    directives = policy(response)
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_a_header_a_view_sets_itself_is_kept_and_not_doubled(app, client):
    """A page that needs another policy (a payment page loading Stripe's script) sets it."""
    own = "default-src 'self'; script-src 'self' https://js.stripe.com"

    @app.get("/own-policy")
    def own_policy():
        return "ok", 200, {"Content-Security-Policy": own, "x-frame-options": "SAMEORIGIN"}

    response = client.get("/own-policy")
    assert response.headers.getlist("Content-Security-Policy") == [own]
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the others are added


def test_over_https_the_site_also_sends_hsts(database):
    from market.platform.extensions import db

    app = create_app(make_config(database, SESSION_COOKIE_SECURE=True,
                                 API_CALLER_CACHE_SECONDS=0))
    with app.app_context():
        response = app.test_client().get("/", base_url="https://intercoop.example")
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/api/v1/docs"])
def test_pages_hold_no_inline_script_or_style_for_the_policy_to_block(client, path):
    page = client.get(path).get_data(as_text=True)
    assert not INLINE_SCRIPT.search(page)
    assert not INLINE_HANDLER.search(page)
    assert not INLINE_STYLE.search(page)


def test_no_template_holds_inline_script_or_style():
    from pathlib import Path

    from market.platform.config import ROOT

    for template in Path(ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not INLINE_SCRIPT.search(text), template
        assert not INLINE_HANDLER.search(text), template
        assert not INLINE_STYLE.search(text), template
