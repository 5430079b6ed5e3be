"""The offers map's assets: vendored files, base-layer outlines, licences, and its policy.

Everything the map page loads is served from static/ (no CDN at run time); the outlines it
draws without a tile server are complete; each vendored package keeps its licence and its
version is written down; the Content-Security-Policy allows the tile server's origin for
images and nothing else.
"""

import json
import re

import pytest
from flask import Flask

from market.platform.config import ROOT
from market.web import headers

STATIC = ROOT / "static"
TEMPLATE = ROOT / "templates" / "offers" / "map.html"
STATIC_FILE = re.compile(r"""url_for\(\s*['"]static['"]\s*,\s*filename\s*=\s*['"]([^'"]+)['"]""")
#: package directory under static/vendor -> (version, a file whose header names it)
VENDORED = {
    "leaflet": ("1.9.4", "leaflet.js"),
    "leaflet.markercluster": ("1.5.3", None),
    "topojson-client": ("3.1.0", "topojson-client.min.js"),
}


def referenced_static_files() -> list[str]:
    return STATIC_FILE.findall(TEMPLATE.read_text(encoding="utf-8"))


def load_json(name: str) -> dict:
    return json.loads((STATIC / "geo" / name).read_text(encoding="utf-8"))


def test_the_map_page_loads_leaflet_markercluster_topojson_and_its_own_script_from_static():
    files = referenced_static_files()
    for expected in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
                     "vendor/leaflet.markercluster/leaflet.markercluster.js",
                     "vendor/leaflet.markercluster/MarkerCluster.css",
                     "vendor/topojson-client/topojson-client.min.js", "js/offers-map.js",
                     "css/map.css", "geo/countries-50m.json", "geo/regions-simplifie.geojson",
                     "geo/departements-simplifie.geojson"):
        assert expected in files, expected


def test_every_static_file_the_map_template_references_exists():
    files = referenced_static_files()
    assert files
    missing = [name for name in files if not (STATIC / name).is_file()]
    assert missing == []


def test_the_map_template_loads_nothing_from_another_site():
    text = TEMPLATE.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", text)


def test_the_images_leaflets_stylesheet_and_default_marker_need_are_vendored():
    css = (STATIC / "vendor/leaflet/leaflet.css").read_text(encoding="utf-8")
    images = re.findall(r"url\(([^)#]+)\)", css)
    assert images
    for url in images:
        assert (STATIC / "vendor/leaflet" / url.strip("'\"")).is_file(), url
    for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        assert (STATIC / "vendor/leaflet/images" / name).is_file(), name


def test_the_department_outlines_are_the_96_of_metropolitan_france():
    collection = load_json("departements-simplifie.geojson")
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 96
    codes = {f["properties"]["code"] for f in features}
    assert len(codes) == 96 and {"01", "2A", "2B", "64", "75", "95"} <= codes
    assert all(f["properties"]["nom"] for f in features)
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}


def test_the_region_outlines_are_the_13_of_metropolitan_france():
    collection = load_json("regions-simplifie.geojson")
    features = collection["features"]
    assert len(features) == 13
    names = {f["properties"]["nom"] for f in features}
    assert {"Île-de-France", "Nouvelle-Aquitaine", "Corse"} <= names
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}


def test_the_outlines_lie_in_wgs84_over_france():
    for name in ("departements-simplifie.geojson", "regions-simplifie.geojson"):
        for feature in load_json(name)["features"]:
            rings = feature["geometry"]["coordinates"]
            if feature["geometry"]["type"] == "Polygon":
                rings = [rings]
            for polygon in rings:
                for ring in polygon:
                    for lon, lat in ring:
                        assert -5.5 < lon < 10 and 41 < lat < 51.5, (name, lon, lat)


def test_the_country_outlines_are_world_atlas_topojson_with_france_and_its_neighbours():
    topology = load_json("countries-50m.json")
    assert topology["type"] == "Topology"
    countries = topology["objects"]["countries"]["geometries"]
    assert len(countries) >= 200
    names = {c.get("properties", {}).get("name") for c in countries}
    assert {"France", "Spain", "Belgium", "Germany", "Switzerland", "Luxembourg",
            "Italy"} <= names
    assert topology["arcs"] and "transform" in topology


@pytest.mark.parametrize("package", sorted(VENDORED))
def test_each_vendored_package_keeps_its_licence_and_its_version_is_noted(package):
    version, stamped = VENDORED[package]
    licence = STATIC / "vendor" / package / "LICENSE"
    assert licence.is_file() and "Copyright" in licence.read_text(encoding="utf-8")
    readme = (STATIC / "vendor" / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(package)}/` — {re.escape(package)} {re.escape(version)}\b",
                     readme), package
    if stamped:
        head = (STATIC / "vendor" / package / stamped).read_text(encoding="utf-8")[:300]
        assert version in head, (package, head[:120])


def test_the_outlines_keep_their_licence_notes():
    note = (STATIC / "geo" / "README.md").read_text(encoding="utf-8")
    for words in ("Licence Ouverte", "IGN", "Admin Express", "gregoiredavid/france-geojson",
                  "Natural Earth", "public domain", "world-atlas 2.0.2"):
        assert words in note, words
    assert "Copyright" in (STATIC / "geo" / "LICENSE-world-atlas").read_text(encoding="utf-8")
    readme = (STATIC / "vendor" / "README.md").read_text(encoding="utf-8")
    assert "world-atlas 2.0.2" in readme


def test_the_map_script_writes_no_html_from_data():
    """Popups and labels are DOM nodes filled with textContent (no HTML from the server)."""
    script = (STATIC / "js" / "offers-map.js").read_text(encoding="utf-8")
    assert not re.search(r"(innerHTML|outerHTML)\s*\+?=", script)
    assert "insertAdjacentHTML" not in script and "document.write" not in script
    assert not re.search(r"\beval\s*\(|new Function\s*\(", script)
    assert "textContent" in script


# The tile server's origin in the policy (market.web.headers): images only, once per app.

@pytest.mark.parametrize(("url", "source"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
    ("http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8123"),
    ("https://user:secret@Tiles.Example.org:8443/{z}/{x}/{y}.png?key=k",
     "https://tiles.example.org:8443"),
    ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),
])
def test_the_tile_servers_origin_is_its_scheme_host_and_port(url, source):
    assert headers.tile_source(url) == source


@pytest.mark.parametrize("url", ["", "   ", None, "/tiles/{z}/{x}/{y}.png", "tiles/{z}.png"])
def test_no_tile_server_or_the_sites_own_tiles_add_no_source(url):
    assert headers.tile_source(url) is None
    assert headers.content_security_policy(url) == headers.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("url", [
    "https://tiles.example.org; script-src *", "https://tiles.example.org 'unsafe-inline'/x",
    "javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://tiles.example.org/{z}.png",
    "https://[::1]/{z}.png", "https://tiles.example.org:99999/{z}.png",
    "https://tiles-{s}.example.org/{z}.png", "https://*/{z}.png",
])
def test_a_tile_url_naming_no_plain_origin_loosens_nothing(url):
    assert headers.tile_source(url) is None
    assert headers.content_security_policy(url) == headers.CONTENT_SECURITY_POLICY


def policy_of(tile_url: str) -> dict[str, str]:
    app = Flask(__name__)
    app.config.update(SESSION_COOKIE_SECURE=False, MAP_TILE_URL=tile_url)
    headers.init_app(app)
    app.add_url_rule("/", "index", lambda: "ok")
    header = app.test_client().get("/").headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in header.split(";") if d.strip()}


def test_the_policy_lets_images_come_from_the_tile_server_and_nothing_else_loosens():
    plain = policy_of("")
    tiled = policy_of("https://tiles.example.org/{z}/{x}/{y}.png")
    assert tiled["img-src"] == "'self' data: https://tiles.example.org"
    assert plain["img-src"] == "'self' data:"
    assert {k: v for k, v in tiled.items() if k != "img-src"} == \
        {k: v for k, v in plain.items() if k != "img-src"}
    assert tiled["connect-src"] == "'self'" and tiled["script-src"] == "'self'"
