"""The browser harness reaches the live server and renders the French home page."""

from tests.e2e.conftest import SWAGGER_UI


def test_home_page_renders_in_french_in_chromium(live_server, page, axe):
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("a.brand").inner_text() == "Intercoop"
    axe(page)


def test_api_docs_load_without_any_cdn(live_server, page, axe):
    outside = []
    page.on("request", lambda request: None if request.url.startswith(live_server)
            else outside.append(request.url))
    page.goto(live_server + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    # Started by static/js/swagger-init.js under the strict policy: the operations show.
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert outside == []
    axe(page, SWAGGER_UI)  # Swagger UI's own markup fails some rules: see conftest.py
