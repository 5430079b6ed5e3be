"""The members JSON API: list, filter, paginate, create, show, change; and its refusals."""

import pytest
from sqlalchemy import func, select

from market.auth.roles import Role
from market.members.models import Member, MemberStatus
from market.web.pagination import encode_cursor
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import (
    bearer,
    make_member,
    make_network,
    make_user,
    valid_siret,
    wrong_key,
)


@pytest.fixture
def admin_headers(db):
    return bearer(db, make_user(db, "admin@example.org", [(Role.network_admin, None)]))


def new_member(**overrides) -> dict:
    return {"name": "Propreté du Labourd", "siret": valid_siret(42), "legal_form": "scop",
            "inclusion_kind": "EI", "city": "Anglet", "region": "Nouvelle-Aquitaine",
            "turnover": "1100000.00", "headcount": 54, "insertion_headcount": 30,
            "latitude": "43.485060", "longitude": -1.51587,
            "sectors": ["cleaning.offices"], **overrides}


def count_members(db) -> int:
    return db.session.scalar(select(func.count(Member.id)))


def test_the_list_shows_active_members_only_to_anonymous_callers(client, db):
    make_member(db, "Active", n=1)
    make_member(db, "Waiting", n=2, status=MemberStatus.pending)
    response = client.get("/api/v1/members")
    assert response.status_code == 200
    assert [m["name"] for m in response.json["items"]] == ["Active"]
    assert response.json["next_cursor"] is None


def test_network_admins_see_pending_members_in_the_list(client, db, admin_headers):
    make_member(db, "Active", n=1)
    make_member(db, "Waiting", n=2, status=MemberStatus.pending)
    response = client.get("/api/v1/members?status=pending", headers=admin_headers)
    assert [m["name"] for m in response.json["items"]] == ["Waiting"]


def test_the_list_filters_by_sector_group_kind_territory_network_and_name(client, db):
    ripess = make_network(db)
    make_member(db, "Jardins de l'Adour", n=1, sectors=["green.maintenance"],
                inclusion_kind="ACI", networks=[ripess])
    make_member(db, "Propreté du Labourd", n=2, sectors=["cleaning.offices"],
                inclusion_kind="EI")
    make_member(db, "Coop Barcelona", n=3, sectors=["green.landscaping"], country="ES",
                region="Catalunya", nuts_code="ES511", department="Barcelona")

    def names(query):
        response = client.get(f"/api/v1/members?{query}")
        assert response.status_code == 200, response.json
        return sorted(m["name"] for m in response.json["items"])

    assert names("sector=green.maintenance") == ["Jardins de l'Adour"]
    assert names("sector_group=green") == ["Coop Barcelona", "Jardins de l'Adour"]
    assert names("inclusion_kind=EI") == ["Propreté du Labourd"]
    assert names("region=catalunya") == ["Coop Barcelona"]
    assert names("country=ES") == ["Coop Barcelona"]
    assert names("nuts=FRI") == ["Jardins de l'Adour", "Propreté du Labourd"]
    assert names("department=64&inclusion_kind=ACI") == ["Jardins de l'Adour"]
    assert names("network=ripess-europe") == ["Jardins de l'Adour"]
    assert names("q=labourd") == ["Propreté du Labourd"]
    assert names("q=100%25") == []


def test_an_unknown_sector_filter_is_a_validation_error(client, db):
    response = client.get("/api/v1/members?sector=nope.nothing")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "sector" in response.json["error"]["details"]["fields"]


def test_the_list_pages_with_a_cursor_until_the_last_page(client, db):
    for n in range(5):
        make_member(db, f"Member {n}", n=n)
    seen, cursor = [], None
    for _page in range(3):
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/members?{query}").json
        seen += [m["name"] for m in body["items"]]
        cursor = body["next_cursor"]
    assert seen == [f"Member {n}" for n in range(5)]
    assert cursor is None


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=ten", "cursor=garbage!"])
def test_bad_paging_arguments_are_validation_errors(client, db, query):
    response = client.get(f"/api/v1/members?{query}")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


@pytest.mark.parametrize("query", ["q=%00", "region=a%00b"])
def test_a_nul_character_in_a_filter_is_a_bad_request(client, db, query):
    response = client.get(f"/api/v1/members?{query}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_a_network_admin_creates_an_active_member(client, db, admin_headers):
    make_network(db, "mes", "MES")
    response = client.post("/api/v1/members", json=new_member(networks=["mes"]),
                           headers=admin_headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "active"
    assert body["siren"] == valid_siret(42)[:9]
    assert body["turnover"] == "1100000.00"
    assert body["latitude"] == "43.485060" and body["longitude"] == "-1.515870"
    assert body["sectors"] == ["cleaning.offices"]
    assert [n["slug"] for n in body["networks"]] == ["mes"]
    stored = db.session.get(Member, body["id"])
    assert stored.turnover_cents == 110_000_000
    db.session.expire_all()
    stored = db.session.get(Member, body["id"])
    assert (stored.name, stored.status, stored.siret) == ("Propreté du Labourd", "active",
                                                          valid_siret(42))
    assert (stored.headcount, stored.insertion_headcount) == (54, 30)
    assert [link.sector_code for link in stored.sector_links] == ["cleaning.offices"]
    assert [n.slug for n in stored.networks] == ["mes"]


def test_creating_a_member_anonymously_is_unauthenticated(client, db):
    with nothing_written(db):
        response = client.post("/api/v1/members", json=new_member())
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"
    assert count_members(db) == 0


def test_creating_a_member_as_a_member_admin_is_forbidden(client, db):
    own = make_member(db, n=1)
    headers = bearer(db, make_user(db, roles=[(Role.member_admin, own.id)]))
    with nothing_written(db):
        response = client.post("/api/v1/members", json=new_member(), headers=headers)
    assert response.status_code == 403
    assert response.json == {"error": {"code": "forbidden", "message": response.json["error"][
        "message"], "details": {}}}
    assert count_members(db) == 1


def test_a_siret_with_a_wrong_key_is_refused_and_nothing_is_written(client, db, admin_headers):
    payload = new_member(siret=wrong_key(valid_siret(42)))
    with nothing_written(db):
        response = client.post("/api/v1/members", json=payload, headers=admin_headers)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert "clé de contrôle" in error["details"]["fields"]["siret"][0]
    assert count_members(db) == 0


def test_a_duplicate_siret_is_a_conflict(client, db, admin_headers):
    make_member(db, "First", n=42)
    with nothing_written(db):
        response = client.post("/api/v1/members", json=new_member(), headers=admin_headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert count_members(db) == 1


def test_malformed_json_is_a_bad_request(client, db, admin_headers):
    with nothing_written(db):
        response = client.post("/api/v1/members", data="{name: oops",
                               headers={**admin_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert count_members(db) == 0


@pytest.mark.parametrize("field, value", [
    ("name", "x" * 201),
    ("city", "x" * 121),
    ("city", "Bay\x00onne"),
    ("description", "x" * 5001),
    ("turnover", 1100000.0),
    ("turnover", "1100000.5"),
    ("headcount", 12.5),
    ("latitude", "91"),
    ("longitude", "east"),
    ("sectors", ["nope.nothing"]),
    ("networks", ["unknown-network"]),
    ("contact_email", "not an email"),
    ("colour", "green"),
])
def test_bad_fields_are_validation_errors_and_nothing_is_written(client, db, admin_headers,
                                                                 field, value):
    with nothing_written(db):
        response = client.post("/api/v1/members", json=new_member(**{field: value}),
                               headers=admin_headers)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["details"]["fields"]
    assert count_members(db) == 0


def test_a_pending_member_is_hidden_from_strangers_but_shown_to_its_own_users(client, db):
    pending = make_member(db, n=1, status=MemberStatus.pending)
    stranger = bearer(db, make_user(db, "stranger@example.org"))
    own = bearer(db, make_user(db, "own@example.org", [(Role.member_staff, pending.id)]))
    assert client.get(f"/api/v1/members/{pending.id}").status_code == 404
    assert client.get(f"/api/v1/members/{pending.id}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/members/{pending.id}", headers=own).status_code == 200


def test_an_active_member_is_public(client, db):
    active = make_member(db, n=1, sectors=["green.maintenance"])
    response = client.get(f"/api/v1/members/{active.id}")
    assert response.status_code == 200
    assert response.json["sectors"] == ["green.maintenance"]
    assert client.get("/api/v1/members/999999").json["error"]["code"] == "not_found"


def test_a_member_admin_patches_their_own_member(client, db):
    own = make_member(db, n=1)
    headers = bearer(db, make_user(db, roles=[(Role.member_admin, own.id)]))
    with writes(db, "members", "member_sectors"):
        response = client.patch(f"/api/v1/members/{own.id}", headers=headers,
                                json={"description": "Maraîchage bio", "turnover": "12.50",
                                      "sectors": ["agri.market_gardening"]})
    assert response.status_code == 200, response.json
    assert response.json["description"] == "Maraîchage bio"
    assert response.json["turnover"] == "12.50"
    assert response.json["sectors"] == ["agri.market_gardening"]
    stored = db.session.get(Member, own.id)
    assert (stored.description, stored.turnover_cents) == ("Maraîchage bio", 1250)
    assert [link.sector_code for link in stored.sector_links] == ["agri.market_gardening"]


def test_a_member_admin_cannot_patch_another_member(client, db):
    own, other = make_member(db, "Own", n=1), make_member(db, "Other", n=2)
    headers = bearer(db, make_user(db, roles=[(Role.member_admin, own.id)]))
    with nothing_written(db):
        response = client.patch(f"/api/v1/members/{other.id}", headers=headers,
                                json={"name": "Taken over"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Member, other.id).name == "Other"


@pytest.mark.parametrize("status", [MemberStatus.pending, MemberStatus.active])
def test_a_member_admin_cannot_change_their_own_status(client, db, status):
    own = make_member(db, n=1, status=status)
    headers = bearer(db, make_user(db, roles=[(Role.member_admin, own.id)]))
    wanted = "suspended" if status == MemberStatus.active else "active"
    with nothing_written(db):
        response = client.patch(f"/api/v1/members/{own.id}", headers=headers,
                                json={"status": wanted})
    assert response.status_code == 403
    if status == MemberStatus.active:  # a pending member's admin may not edit at all
        assert "status" in response.json["error"]["details"]["fields"]
    db.session.expire_all()
    assert db.session.get(Member, own.id).status == status


def test_a_network_admin_approves_a_pending_member(client, db, admin_headers):
    pending = make_member(db, n=1, status=MemberStatus.pending)
    with writes(db, "members"):
        response = client.patch(f"/api/v1/members/{pending.id}", headers=admin_headers,
                                json={"status": "active"})
    assert response.status_code == 200
    assert response.json["status"] == "active"
    assert db.session.get(Member, pending.id).status == MemberStatus.active


def test_patching_a_siret_to_one_with_a_wrong_key_changes_nothing(client, db, admin_headers):
    member = make_member(db, n=1)
    with nothing_written(db):
        response = client.patch(f"/api/v1/members/{member.id}", headers=admin_headers,
                                json={"siret": wrong_key(valid_siret(7)), "name": "Renamed"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Member, member.id).name == "Jardins de l'Adour"


def test_the_sectors_endpoint_lists_the_taxonomy_with_cpv_divisions(client, db):
    response = client.get("/api/v1/sectors")
    assert response.status_code == 200
    groups = {g["code"]: g for g in response.json["items"]}
    green = {s["code"]: s for s in groups["green"]["sectors"]}
    assert green["green.maintenance"]["cpv_divisions"] == ["77"]
    assert green["green.maintenance"]["label_fr"] == "Entretien d'espaces verts"


def test_every_members_endpoint_appears_in_the_openapi_document(client, db):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/members"]) >= {"get", "post"}
    assert set(paths["/api/v1/members/{member_id}"]) >= {"get", "patch"}
    assert "get" in paths["/api/v1/sectors"]


def test_an_id_beyond_the_column_range_is_not_found_on_every_database(client, db):
    assert client.get("/api/v1/members/20006726081").status_code == 404
    assert client.get("/members/20006726081").status_code == 404


def test_a_forged_cursor_with_a_huge_id_is_a_validation_error(client, db):
    response = client.get(f"/api/v1/members?cursor={encode_cursor([2**40])}")
    assert response.status_code == 422
