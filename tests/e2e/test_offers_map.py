"""The marketplace map: members and offers on the shipped outlines, its list, its popups.

No tile server in tests (MAP_TILE_URL is empty): the map must still draw on the outlines
shipped in static/geo (countries, regions, departments). One test serves tiles from a local
server to see the policy let them in (the page fixture fails on any CSP report).
"""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from playwright.sync_api import expect
from werkzeug.serving import make_server

from market import create_app
from market.platform.extensions import db as _db
from tests.conftest import make_config
from tests.integration.offers_factories import make_offer, make_trader

LYON = (45.7640, 4.8357)


def seed_two_members_with_offers(db) -> dict:
    """An ACI in Bayonne offering oak boards, an EA in Lyon offering bicycle repairs."""
    nive = make_trader(db, 1, "Jardins de la Nive", city="Bayonne", inclusion_kind="ACI")
    rhone = make_trader(db, 2, "Atelier Rhône Solidaire", city="Lyon", department="69",
                        region="Auvergne-Rhône-Alpes", postcode="69003", nuts_code="FRK26",
                        latitude=LYON[0], longitude=LYON[1], inclusion_kind="EA")
    boards = make_offer(db, nive, title="Planches de chêne", price="12.50", unit="planche")
    repairs = make_offer(db, rhone, kind="service", title="Réparation de vélos",
                         price="35.00", unit="heure", sector="wood.carpentry")
    return {"boards": boards, "repairs": repairs, "nive": nive.member, "rhone": rhone.member}


def wait_for_popup(page) -> None:
    """Until the popup has faded in (axe measures contrast on what is shown)."""
    page.wait_for_function("""() => {
      const popup = document.querySelector('#offers-map .leaflet-popup');
      return popup && getComputedStyle(popup).opacity === '1'; }""")


def offer_marker(page, title: str):
    return page.locator(f'#offers-map .leaflet-marker-pane img.leaflet-marker-icon[alt="{title}"]')


def test_the_map_shows_members_and_offers_on_the_outlines_and_leads_to_an_offer(
        live_server, page, db, axe):
    seeded = seed_two_members_with_offers(db)

    page.goto(f"{live_server}/offres/carte")
    expect(page.locator("h1")).to_contain_text("Carte des offres")

    # The markers (one offer and one member in each city, too far apart to cluster).
    expect(offer_marker(page, "Planches de chêne")).to_have_count(1)
    expect(offer_marker(page, "Réparation de vélos")).to_have_count(1)
    expect(page.locator("#offers-map .map-member-marker")).to_have_count(2)
    expect(page.locator("#offers-map-status")).to_contain_text("2 offres et 2 membres")

    # The base layer is drawn from the shipped outlines, and there is no tile at all.
    basemap = page.locator("#offers-map .leaflet-basemap-pane svg path")
    expect(page.locator("#offers-map.has-basemap")).to_have_count(1)
    assert basemap.count() >= 200 + 96 + 13  # countries, departments, regions
    drawn = page.evaluate("""() => [...document.querySelectorAll(
        '#offers-map .leaflet-basemap-pane svg path')].filter(p => {
          const box = p.getBBox(); return box.width > 0 && box.height > 0; }).length""")
    assert drawn >= 30, drawn  # the outlines between Bayonne and Lyon are in view
    assert page.locator("#offers-map .leaflet-tile-pane img").count() == 0
    expect(page.locator("#offers-map .leaflet-control-attribution")).to_contain_text(
        "IGN Admin Express")

    # The layer switch names both groups in the page's language.
    layers = page.locator("#offers-map .leaflet-control-layers-overlays")
    expect(layers).to_contain_text("Offres")
    expect(layers).to_contain_text("Membres")

    # The list is the map's text equivalent.
    results = page.locator(".map-results .map-result")
    expect(results).to_have_count(2)
    boards = results.filter(has_text="Planches de chêne")
    expect(boards).to_contain_text("Jardins de la Nive")
    expect(boards).to_contain_text("Bayonne")
    expect(boards).to_contain_text("12,50 EUR / planche")
    expect(results.filter(has_text="Réparation de vélos")).to_contain_text("Lyon")

    axe(page)

    # A marker opens with the keyboard (focus, Enter): its popup names the offer's member.
    repairs = offer_marker(page, "Réparation de vélos")
    repairs.focus()
    page.keyboard.press("Enter")
    popup = page.locator("#offers-map .leaflet-popup-content")
    expect(popup).to_contain_text("Réparation de vélos")
    expect(popup).to_contain_text("Atelier Rhône Solidaire")
    expect(page.locator("#offers-map .leaflet-popup-close-button")).to_have_attribute(
        "aria-label", "Fermer")
    wait_for_popup(page)
    axe(page)

    # Another by the pointer, and its link leads to the offer's page.
    offer_marker(page, "Planches de chêne").click()
    expect(popup).to_have_count(1)  # the other one closed
    expect(popup).to_contain_text("Planches de chêne")
    expect(popup).to_contain_text("Jardins de la Nive")
    popup.get_by_role("link", name="Planches de chêne").click()
    expect(page).to_have_url(f"{live_server}/offres/{seeded['boards'].id}")
    expect(page.locator("h1")).to_contain_text("Planches de chêne")


def test_a_member_marker_leads_to_the_members_profile(live_server, page, db):
    seeded = seed_two_members_with_offers(db)
    page.goto(f"{live_server}/offres/carte?kind=service")
    expect(offer_marker(page, "Réparation de vélos")).to_have_count(1)
    expect(offer_marker(page, "Planches de chêne")).to_have_count(0)
    expect(page.locator(".map-results .map-result")).to_have_count(1)
    expect(page.locator("#map-kind")).to_have_value("service")
    # The map shows Lyon's offer; the member there opens with the keyboard.
    member = page.locator('#offers-map .map-member-marker[title="Atelier Rhône Solidaire"]')
    expect(member).to_have_count(1)
    expect(member).to_have_attribute("role", "button")
    member.focus()
    page.keyboard.press("Enter")
    popup = page.locator("#offers-map .leaflet-popup-content")
    expect(popup).to_contain_text("EA")
    expect(popup).to_contain_text("Lyon")
    popup.get_by_role("link", name="Atelier Rhône Solidaire").click()
    expect(page).to_have_url(f"{live_server}/members/{seeded['rhone'].id}")


def test_when_the_offers_cannot_be_fetched_the_map_says_so_and_the_list_stays(
        live_server, page, db, axe):
    seed_two_members_with_offers(db)
    page.route("**/api/v1/offers.geojson*", lambda route: route.fulfill(status=503, body="{}"))
    page.goto(f"{live_server}/offres/carte")
    expect(page.locator("#offers-map-status")).to_contain_text("n’a pas pu charger")
    expect(page.locator("#offers-map.has-basemap")).to_have_count(1)
    expect(page.locator(".map-results .map-result")).to_have_count(2)
    expect(page.locator("#offers-map .map-member-marker")).to_have_count(2)  # those loaded
    assert page.locator("#offers-map img.leaflet-marker-icon").count() == 0
    axe(page)


def test_the_map_fetches_the_offers_page_by_page_and_says_when_it_stops(live_server, page,
                                                                       app, db):
    seeded = seed_two_members_with_offers(db)
    bordeaux = make_trader(db, 3, "Recyclerie de Bacalan", city="Bordeaux", department="33",
                           postcode="33300", nuts_code="FRI12", latitude=44.8378,
                           longitude=-0.5792)
    make_offer(db, bordeaux, title="Vélos reconditionnés", price="90.00", unit="vélo")
    app.config["MAP_PAGE_SIZE"] = 1  # three pages of one offer
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "offers.geojson" in r.url else None)
    page.goto(f"{live_server}/offres/carte")
    for title in ("Planches de chêne", "Réparation de vélos", "Vélos reconditionnés"):
        expect(offer_marker(page, title)).to_have_count(1)
    expect(page.locator("#offers-map-status")).to_contain_text("3 offres et 3 membres")
    assert len(asked) == 3 and sum("cursor=" in url for url in asked) == 2

    app.config["MAP_MAX_PAGES"] = 2  # the third page is not fetched: the status says so
    page.goto(f"{live_server}/offres/carte")
    expect(page.locator("#offers-map-status")).to_contain_text(
        "Les 2 premières offres trouvées et 3 membres sur la carte")
    expect(page.locator("#offers-map img.leaflet-marker-icon[alt]")).to_have_count(2)
    assert seeded["boards"].title in page.locator(".map-results").inner_text()


def test_the_map_follows_the_page_language(live_server, page, db):
    """Its labels come from the page (translated there), not from the script."""
    seed_two_members_with_offers(db)
    page.goto(f"{live_server}/offres/carte")
    page.locator("header button[name=lang][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(offer_marker(page, "Planches de chêne")).to_have_count(1)
    container = page.locator("#offers-map")
    layers = page.locator("#offers-map .leaflet-control-layers-overlays")
    expect(layers).to_contain_text(container.get_attribute("data-label-offers"))
    expect(layers).to_contain_text(container.get_attribute("data-label-members"))
    expect(page.locator("#offers-map .leaflet-control-zoom-in")).to_have_attribute(
        "title", container.get_attribute("data-label-zoom-in"))


# With a tile server: its origin is allowed for images, tiles load, nothing is blocked.

TILE = io.BytesIO()
Image.new("RGB", (256, 256), (221, 232, 238)).save(TILE, format="PNG")


class TileHandler(BaseHTTPRequestHandler):
    served: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        TileHandler.served.append(self.path)
        body = TILE.getvalue()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def tile_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), TileHandler)
    TileHandler.served = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def tiled_site(database, tile_server):
    """The application with MAP_TILE_URL pointing at the local tile server, served live."""
    app = create_app(make_config(database, MAP_TILE_URL=f"{tile_server}/{{z}}/{{x}}/{{y}}.png",
                                 MAP_TILE_ATTRIBUTION="Tuiles <de test> & Cie"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()


def test_tiles_from_the_configured_server_are_allowed_and_drawn_over_the_outlines(
        tiled_site, tile_server, page):
    response = page.goto(f"{tiled_site}/offres/carte")
    policy = response.headers["content-security-policy"]
    assert f"img-src 'self' data: {tile_server};" in policy
    tiles = page.locator("#offers-map .leaflet-tile-pane img.leaflet-tile-loaded")
    expect(tiles.first).to_be_visible()
    assert TileHandler.served and all(p.endswith(".png") for p in TileHandler.served)
    # The attribution is the configured text, shown as text (not HTML).
    expect(page.locator("#offers-map .leaflet-control-attribution")).to_contain_text(
        "Tuiles <de test> & Cie")
    expect(page.locator("#offers-map.has-basemap")).to_have_count(1)
