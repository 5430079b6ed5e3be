"""Browser harness: Debian's Chromium driven by Playwright against a live server.

The server runs the real application in a thread, on the same test database as the test
(SQLite, then PostgreSQL when configured). Without /usr/bin/chromium the tests skip, except
under CI=true where conftest.py fails the run.
"""

import os
import threading

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
