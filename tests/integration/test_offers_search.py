"""The offer search on both databases: words, filters, reach, order and pages."""

import pytest

from market.web.pagination import encode_cursor
from tests.integration.members_factories import make_network
from tests.integration.offers_factories import BAYONNE, make_offer, make_trader

KM = 1 / 110.574  # degrees of latitude per kilometre


@pytest.fixture
def world(db):
    """A shared fixture: offers in French and English, near and far, of several kinds."""
    network = make_network(db)
    near = make_trader(db, 1, "Menuiserie du Labourd", inclusion_kind="EI",
                       networks=[network])
    far = make_trader(db, 2, "Ferme de Soule", latitude=BAYONNE[0] + 60 * KM,
                      longitude=BAYONNE[1], region="Nouvelle-Aquitaine")
    abroad = make_trader(db, 3, "Cooperativa de Barcelona", latitude=41.3874,
                         longitude=2.1686, region="Catalunya", country="ES",
                         department="Barcelona")
    offers = {
        "menuiseries": make_offer(db, near, title="Menuiseries sur mesure",
                                  description="Fenêtres et portes en bois local.",
                                  sector="wood.joinery", price="450.00", reach="local",
                                  radius_km=50, latitude=BAYONNE[0] + 40 * KM,
                                  longitude=BAYONNE[1], currency_share=20,
                                  accepted_currencies=["MUTU"]),
        "veau": make_offer(db, far, title="Veau élevé sous la mère",
                           description="Viande de veau, colis de 5 kg.", sector="agri.livestock",
                           price="95.00", reach="local", radius_km=50, kind="product"),
        "catering": make_offer(db, abroad, title="Organic catering for events",
                               description="Lunches cooked by a worker cooperative.",
                               sector="food.catering", price="18.00", reach="europe",
                               kind="service"),
        "nettoyage": make_offer(db, near, title="Nettoyage de locaux",
                                description="Entretien de bureaux par une entreprise "
                                            "d'insertion.", sector="cleaning.offices",
                                price="25.00", reach="regional", kind="service",
                                currency_share=50, accepted_currencies=["EUSKO"]),
        "draft": make_offer(db, near, publish=False, title="Menuiserie en projet"),
    }
    return {k: o.id for k, o in offers.items()}


def found(client, **args) -> list[int]:
    response = client.get("/api/v1/offers", query_string=args)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("menuiserie", {"menuiseries"}),
    ("MENUISERIES", {"menuiseries"}),
    ("eleve", {"veau"}),
    ("élevés", {"veau"}),
    ("veau colis", {"veau"}),
    ("cooking", {"catering"}),
    ("cooperatives", {"catering"}),
    ("bois fenetre", {"menuiseries"}),
    ("entreprises d'insertion", {"nettoyage"}),
    ("nothing like this", set()),
    ("le la les", set()),
    ('"quoted" AND NEAR(x) OR -', set()),
])
def test_words_are_found_in_french_and_english_whatever_the_accents(client, world, query,
                                                                    expected):
    assert set(found(client, q=query)) == {world[k] for k in expected}


def test_a_local_offer_covers_points_within_its_radius_only(client, world):
    # Bayonne is 40 km from the joinery (radius 50) and 60 km from the farm (radius 50).
    around = set(found(client, lat=BAYONNE[0], lon=BAYONNE[1]))
    assert world["menuiseries"] in around and world["veau"] not in around
    assert world["catering"] in around  # European reach covers everywhere
    assert world["nettoyage"] in around  # regional: Bayonne is in Nouvelle-Aquitaine
    in_barcelona = set(found(client, lat=41.39, lon=2.17, country="ES"))
    assert in_barcelona == {world["catering"]}


def test_a_french_region_named_without_its_country_still_finds_regional_offers(client, world):
    # A point given with its region, the country left out: the region says it is France.
    around = set(found(client, lat=BAYONNE[0], lon=BAYONNE[1], region="Nouvelle-Aquitaine"))
    assert world["nettoyage"] in around


def test_results_sort_by_distance_price_and_date(client, world):
    by_distance = found(client, lat=BAYONNE[0] + 45 * KM, lon=BAYONNE[1], sort="distance")
    assert by_distance[:2] == [world["menuiseries"], world["veau"]]
    by_price = found(client, sort="price")
    assert by_price == [world[k] for k in ("catering", "nettoyage", "veau", "menuiseries")]
    by_date = found(client)
    assert by_date == [world[k] for k in ("nettoyage", "catering", "veau", "menuiseries")]


@pytest.mark.parametrize(("args", "expected"), [
    ({"kind": "service"}, {"catering", "nettoyage"}),
    ({"sector": "wood.joinery"}, {"menuiseries"}),
    ({"sector_group": "wood"}, {"menuiseries"}),
    ({"price_min": "20.00", "price_max": "100.00"}, {"veau", "nettoyage"}),
    ({"accepts": "MUTU"}, {"menuiseries"}),
    ({"accepts": "EUSKO"}, {"nettoyage"}),
    ({"network": "ripess-europe"}, {"menuiseries", "nettoyage"}),
    ({"inclusion_kind": "SIAE"}, {"menuiseries", "nettoyage"}),
    ({"inclusion_kind": "EA"}, set()),
    ({"has_images": "false"}, {"menuiseries", "veau", "catering", "nettoyage"}),
    ({"has_images": "true"}, set()),
    ({"q": "bois", "kind": "service"}, set()),
])
def test_filters_narrow_the_results(client, world, args, expected):
    assert set(found(client, **args)) == {world[k] for k in expected}


def test_pages_follow_each_other_without_repeating_in_every_order(client, world):
    for args in ({}, {"sort": "price"}, {"q": "bois OR veau OR catering OR nettoyage"},
                 {"lat": BAYONNE[0], "lon": BAYONNE[1], "sort": "distance"}):
        seen, cursor = [], None
        while True:
            query = {**args, "limit": 1, **({"cursor": cursor} if cursor else {})}
            response = client.get("/api/v1/offers", query_string=query)
            assert response.status_code == 200, response.json
            seen += [item["id"] for item in response.json["items"]]
            cursor = response.json["next_cursor"]
            if cursor is None:
                break
        assert seen == found(client, **args), args
        assert len(seen) == len(set(seen))


@pytest.mark.parametrize("args", [
    {"cursor": "garbage"}, {"lat": "91", "lon": "0"}, {"lat": "43"}, {"sort": "distance"},
    {"sector_group": "nothing"}, {"price_min": "-3.00"}, {"price_min": "3"},
    {"kind": "vehicle"}, {"department": "999"}, {"lat": "nan", "lon": "0"},
    {"limit": "501"}, {"q": "x" * 201},
])
def test_bad_search_arguments_are_a_clear_422(client, world, args):
    response = client.get("/api/v1/offers", query_string=args)
    assert response.status_code == 422, (args, response.json)
    assert response.json["error"]["code"] == "validation_error"


def test_a_cursor_of_one_order_is_refused_in_another(client, world):
    page = client.get("/api/v1/offers", query_string={"limit": 1, "sort": "price"}).json
    response = client.get("/api/v1/offers", query_string={"cursor": page["next_cursor"]})
    assert response.status_code == 422


def test_a_cursor_may_name_the_largest_id(client, world):
    response = client.get("/api/v1/offers", query_string={
        "cursor": encode_cursor(["date", "2026-01-01T00:00:00+00:00", 2**31 - 1])})
    assert response.status_code == 200, response.json


def test_offers_of_one_price_page_through_cheapest_first_then_by_id(client, db):
    trader = make_trader(db, 8, "Paniers Solidaires")
    ids = [make_offer(db, trader, title=f"Panier {n}", price="12.00").id for n in range(3)]
    paged, cursor = [], None
    while True:
        response = client.get("/api/v1/offers", query_string={
            "member": trader.member.id, "sort": "price", "limit": 1,
            **({"cursor": cursor} if cursor else {})})
        paged += [item["id"] for item in response.json["items"]]
        if not (cursor := response.json["next_cursor"]):
            break
    assert paged == sorted(ids)


@pytest.mark.parametrize(("args", "key"), [
    ({}, ["date", "2026-01-01T00:00:00+00:00", 2**31]),  # an id no integer column holds
    ({}, ["date", "hier", 1]),
    ({"sort": "price"}, ["price", "12.5", 1]),
    ({"sort": "price"}, ["price", "1e400", 1]),
    ({"q": "bois"}, ["relevance", "beaucoup", 1]),
    ({"q": "bois"}, ["relevance", "0.5", 1, "extra"]),
])
def test_a_forged_cursor_is_a_422_on_the_cursor(client, world, args, key):
    response = client.get("/api/v1/offers",
                          query_string={**args, "cursor": encode_cursor(key)})
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"]["fields"]["cursor"] == [
        "Curseur de pagination invalide."]


@pytest.mark.sqlite_only
def test_sqlite_keeps_the_planners_statistics_of_the_tables_searched(client, db, world):
    # Without statistics SQLite walks every published offer by date for any filter.
    db.session.remove()
    db.engine.dispose()  # new connections: their first return to the pool analyses
    assert found(client, kind="product")
    with db.engine.connect() as conn:
        analysed = set(conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1").scalars())
    assert {"offers", "members"} <= analysed


def test_the_geojson_holds_the_searchs_offers_that_have_a_place_page_by_page(client, db,
                                                                             world):
    listed = found(client, lat=BAYONNE[0], lon=BAYONNE[1])
    features, cursor, pages = [], None, 0
    while True:
        response = client.get("/api/v1/offers.geojson", query_string={
            "lat": BAYONNE[0], "lon": BAYONNE[1], "limit": 2,
            **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.json
        assert response.json["type"] == "FeatureCollection"
        features += response.json["features"]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert pages == 2 and [f["properties"]["id"] for f in features] == listed
    boards = next(f for f in features if f["properties"]["id"] == world["menuiseries"])
    assert boards["geometry"] == {"type": "Point", "coordinates": [
        pytest.approx(BAYONNE[1]), pytest.approx(BAYONNE[0] + 40 * KM)]}
    assert boards["properties"] == {
        "id": world["menuiseries"], "title": "Menuiseries sur mesure",
        "url": f"/offres/{world['menuiseries']}", "member": "Menuiserie du Labourd",
        "kind": "product", "kind_label": "Produit", "price": "450,00 EUR / planche",
        "city": boards["properties"]["city"]}


def test_offers_that_rank_alike_come_newest_first_on_every_page(client, db):
    trader = make_trader(db, 7, "Vitres Solidaires")
    ids = [make_offer(db, trader, title="Nettoyage de vitres", description="Vitres.").id
           for _ in range(3)]
    newest_first = sorted(ids, reverse=True)
    assert found(client, q="vitres") == newest_first
    paged, cursor = [], None
    while True:
        response = client.get("/api/v1/offers", query_string={
            "q": "vitres", "limit": 1, **({"cursor": cursor} if cursor else {})})
        paged += [item["id"] for item in response.json["items"]]
        if not (cursor := response.json["next_cursor"]):
            break
    assert paged == newest_first
