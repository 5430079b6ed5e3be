"""Browser harness: Debian's Chromium driven by Playwright against a live server.

The server runs the real application in a thread, on the same test database as the test
(SQLite, then PostgreSQL when configured). Without /usr/bin/chromium the tests skip, except
under CI=true where conftest.py fails the run.

``axe(page)`` checks the page shown against WCAG 2.0 and 2.1, levels A and AA (the RGAA),
and axe's best practices, with the axe-core vendored in tests/e2e/vendor/axe-core (CI has
no npm): the test fails on any violation.
"""

import functools
import json
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import CHROMIUM

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (Playwright cannot download browsers here)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free loopback port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def page(page):
    """A page whose default timeout fails fast on a broken flow, and that fails the test if
    the Content-Security-Policy blocked anything (an inline script or style crept in)."""
    page.set_default_timeout(10_000)
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    assert blocked == [], blocked


AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: The rules run: WCAG 2.0 and 2.1, A and AA (what the RGAA asks), and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
#: Swagger UI's own markup on /api/v1/docs, which axe leaves out (``axe(page, SWAGGER_UI)``):
#: its stylesheet's colours fail the contrast ratio (HTTP method badges, version stamps, the
#: Authorize button, the spec's URL), its headings go from h1 to h3, its information block is
#: outside its landmarks and the "Try it out" body's textarea has no label. None of that can
#: be fixed from our wrapper, templates/swagger_ui.html, which is checked.
SWAGGER_UI = {"exclude": ["#swagger-ui-container"]}
#: Those failing rules, for checking the rest of Swagger UI's markup with every other rule.
SWAGGER_UI_FAILS = ("color-contrast", "heading-order", "region", "label")
AXE_RUN = """async ([context, tags, disabled]) => {
  const rules = Object.fromEntries(disabled.map(id => [id, {enabled: false}]));
  const results = await window.axe.run(context || document,
                                       {runOnly: {type: "tag", values: tags}, rules});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
  }));
}"""


def axe_report(url: str, lang: str | None, violations: list[dict]) -> str:
    """The violations as a reader fixes them: rule, impact, help, then each element."""
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url} "
             f"(lang={lang}):"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {json.dumps(node['target'])}: {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more element(s)")
    return "\n".join(lines)


@functools.cache
def axe_source() -> str:
    """The vendored axe-core, read once per session."""
    return AXE_SCRIPT.read_text(encoding="utf-8")


def run_axe(page, context=None, disabled=()) -> list[dict]:
    """Inject axe-core into ``page`` (once per document) and return its violations.

    ``page.add_script_tag`` would add an inline script, which the site's policy blocks
    (``script-src 'self'``): the file's text is evaluated through the DevTools protocol
    instead, which runs in the page without a script element and is not subject to it.
    ``context`` is axe's: a selector, or {"include": [...], "exclude": [...]}; ``disabled``
    names rules not to run.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(AXE_RUN, [context, AXE_TAGS, list(disabled)])


def check_axe(page, context=None, disabled=()) -> None:
    """Fail the test on any axe-core violation on the page as it is now."""
    violations = run_axe(page, context, disabled)
    lang = page.evaluate("document.documentElement.lang")
    assert not violations, axe_report(page.url, lang, violations)


@pytest.fixture
def axe():
    """``axe(page, context=None, disabled=())``: fail on any accessibility violation of the
    page shown (in ``context``, by the rules not ``disabled``)."""
    return check_axe
