"""A lot's matches over HTTP: the directory read from the database, the engine's answer
explained, its CSV export, and only the lot's buyer sees them."""

import csv
import io

import pytest

from market.auth.roles import Role
from market.procurement import directory
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import bearer, make_user, valid_siret
from tests.integration.test_procurement_import import FIXTURES, Buyer, send

#: Around La Rochelle (17), where the fixture's first lot (green spaces, 120,000 EUR,
#: reserved to SIAE and EA/ESAT) is performed.
ROWS = {
    1: {"name": "Jardins de l'Aunis", "kind": "ACI", "turnover_eur": "200000"},
    2: {"name": "Terres de Ré", "kind": "EI", "turnover_eur": "250000"},
    3: {"name": "GEIQ Paysage", "kind": "GEIQ", "turnover_eur": "2000000"},
    4: {"name": "ESAT du Médoc", "kind": "ESAT", "turnover_eur": "900000", "postcode": "33340",
        "latitude": "45.2", "longitude": "-0.9", "radius_km": "20"},
}


def row(n: int, fields: dict) -> dict:
    return {"siret": valid_siret(100 + n), "postcode": "17000", "city": "La Rochelle",
            "latitude": "46.16", "longitude": "-1.15", "cpv": "77310000 77313000",
            "reach": "radius", "radius_km": "80", "departments": "",
            "insertion_headcount": "10", **fields}


@pytest.fixture
def world(client, db):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=directory.COLUMNS)
    writer.writeheader()
    for n, fields in ROWS.items():
        writer.writerow(row(n, fields))
    report = directory.import_directory(db.session, out.getvalue())
    db.session.commit()
    assert report.rejected == []
    buyer = Buyer(db, 60, "Ville de La Rochelle")
    tender = send(client, FIXTURES / "ocds-two-lots.json", buyer.headers).json["items"][0]
    return {"buyer": buyer, "lot": tender["tender"]["lots"][0]}


def names(matches: list[dict]) -> list[set[str]]:
    return [{s["name"] for s in m["structures"]} for m in matches]


def test_the_buyer_sees_eligible_structures_and_the_grouping_that_can_take_the_lot(client,
                                                                                   world):
    lot = world["lot"]
    response = client.get(f"/api/v1/lots/{lot['id']}/matches", headers=world["buyer"].headers)
    assert response.status_code == 200, response.json
    found = response.json
    singles = names(found["structures"])
    # The GEIQ is not admitted by a lot reserved to SIAE and EA/ESAT; the ESAT is too far.
    assert {"Jardins de l'Aunis"} in singles and {"Terres de Ré"} in singles
    assert all(s.isdisjoint({"GEIQ Paysage", "ESAT du Médoc"}) for s in singles)
    # Neither has the turnover for 120,000 EUR alone (30 %): together they have.
    assert {"Jardins de l'Aunis", "Terres de Ré"} in names(found["groupings"])
    best = found["structures"][0]
    assert {c["criterion"] for c in best["explanation"]} == {
        "sectors", "distance", "capacity", "insertion", "awards", "references"}
    assert all(0 <= c["points"] <= c["max_points"] and c["why"] for c in best["explanation"])
    english = client.get(f"/api/v1/lots/{lot['id']}/matches",
                         headers={**world["buyer"].headers, "Accept-Language": "en"}).json
    assert english["structures"][0]["explanation"][0]["why"] != best["explanation"][0]["why"]


def test_the_matches_export_as_csv(client, world):
    lot = world["lot"]
    response = client.get(f"/api/v1/lots/{lot['id']}/matches.csv",
                          headers=world["buyer"].headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert lines[0][:6] == ["rank", "kind", "score", "lead", "members", "favourites"]
    assert any("Jardins de l'Aunis + Terres de Ré" in line[4] or
               "Terres de Ré + Jardins de l'Aunis" in line[4] for line in lines[1:])


def test_the_buyer_s_favourite_structures_are_marked_in_the_matches_and_the_csv(client, db,
                                                                                world):
    lot, buyer = world["lot"], world["buyer"]
    path = f"/api/v1/lots/{lot['id']}/matches"
    found = client.get(path, headers=buyer.headers).json
    ids = {s["name"]: s["id"] for m in found["structures"] for s in m["structures"]}
    assert not any(s["favourite"] for m in found["structures"] for s in m["structures"])
    starred = client.put(f"/api/v1/favourites/members/{ids['Terres de Ré']}",
                         headers=buyer.headers)
    assert starred.status_code == 200, starred.json
    other = Buyer(db, 61, "Ville de Niort")  # another buyer's star is not this buyer's
    aunis = ids["Jardins de l'Aunis"]
    assert client.put(f"/api/v1/favourites/members/{aunis}",
                      headers=other.headers).status_code == 200
    found = client.get(path, headers=buyer.headers).json
    for match in (*found["structures"], *found["groupings"]):
        for s in match["structures"]:
            assert s["favourite"] is (s["name"] == "Terres de Ré"), (match, s)
    lines = list(csv.DictReader(io.StringIO(
        client.get(f"{path}.csv", headers=buyer.headers).get_data(as_text=True))))
    assert {line["favourites"] for line in lines} == {"", "Terres de Ré"}
    assert all(line["favourites"] == ("Terres de Ré" if "Terres de Ré" in line["members"]
                                      else "") for line in lines)


def test_only_the_lot_s_buyer_sees_its_matches(client, db, world):
    lot = world["lot"]
    other = Buyer(db, 61, "Ville de Niort")
    staff = bearer(db, make_user(db, email="admin@example.org",
                                 roles=[(Role.network_admin, None)]))
    with nothing_written(db):
        for path in (f"/api/v1/lots/{lot['id']}/matches", "/api/v1/lots/999999/matches",
                     f"/api/v1/lots/{2**40}/matches.csv"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers=other.headers).status_code == 404
    assert client.get(f"/api/v1/lots/{lot['id']}/matches", headers=staff).status_code == 200
