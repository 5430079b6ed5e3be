"""Notices into tenders, through the API and the command line: eForms and OCDS files, the
same notice twice, refused files writing nothing, and the OCDS export coming back."""

import json
from pathlib import Path

import pytest

from market.auth.roles import Role
from market.members.models import LegalForm, Member
from market.procurement.models import Lot, Tender
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, make_member, make_user

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
FRENCH = FIXTURES / "eforms-cn_24_FRA_comments.xml"
TENDER_TABLES = ("tenders", "tender_documents", "lots", "lot_cpv_codes", "lot_criteria")


class Buyer:
    """A public body and a user holding the buyer role for it."""

    def __init__(self, db, n: int, name: str):
        self.member = make_member(db, name=name, n=n, legal_form=LegalForm.public_body)
        self.user = make_user(db, email=f"buyer{n}@example.org",
                              roles=[(Role.buyer, self.member.id)])
        self.headers = bearer(db, self.user)


@pytest.fixture
def buyer(db):
    return Buyer(db, 40, "Communauté d'agglomération de La Rochelle")


def send(client, path: Path, headers: dict, **query):
    """POST a fixture file as the request's body, typed by its extension."""
    kind = "application/json" if path.suffix == ".json" else "application/xml"
    return client.post("/api/v1/tenders/import", data=path.read_bytes(), query_string=query,
                       headers={**headers, "Content-Type": kind})


def test_the_french_notice_becomes_a_draft_tender_of_two_lots(client, db, buyer):
    with writes(db, *TENDER_TABLES):
        response = send(client, FRENCH, buyer.headers)
    assert response.status_code == 201, response.json
    (item,) = response.json["items"]
    tender = item["tender"]
    assert item["created"] is True and tender["status"] == "draft"
    assert tender["source"] == "eforms" and tender["buyer"]["id"] == buyer.member.id
    assert [lot["lot_id"] for lot in tender["lots"]] == ["LOT-0001", "LOT-0002"]
    for lot in tender["lots"]:
        assert lot["cpv_main"] == "77310000" and lot["cpv_codes"][0] == "77310000"
        assert lot["place"]["nuts"] == "FRD22" and lot["place"]["department"]
        assert lot["place"]["latitude"] is not None
        assert {c["kind"] for c in lot["criteria"]} >= {"price", "quality"}
    # A draft is the buyer's alone until published.
    assert client.get(f"/api/v1/tenders/{tender['id']}").status_code == 404
    for missing in (999_999, 2**31, 10**30):  # past 32 bits: no tender, not a 500
        assert client.get(f"/api/v1/tenders/{missing}").status_code == 404
        assert client.get(f"/api/v1/lots/{missing}").status_code == 404
        assert client.get(f"/api/v1/tenders/{missing}/ocds").status_code == 404
    own = client.get(f"/api/v1/tenders/{tender['id']}", headers=buyer.headers)
    assert own.status_code == 200 and own.json["lots"] == tender["lots"]


def test_the_same_notice_again_updates_its_tender(client, db, buyer):
    first = send(client, FRENCH, buyer.headers).json["items"][0]["tender"]
    db.session.query(Lot).filter_by(lot_id="LOT-0002").update({"title": "Changé ici"})
    db.session.commit()
    again = send(client, FRENCH, buyer.headers)
    assert again.status_code == 200, again.json
    item = again.json["items"][0]
    assert item["created"] is False and item["tender"]["id"] == first["id"]
    assert item["tender"]["lots"] == first["lots"]  # the notice's title is back, same ids
    assert db.session.query(Tender).count() == 1 and db.session.query(Lot).count() == 2


@pytest.mark.parametrize("name", ["eforms-cn_24_minimal.xml", "eforms-cn-social_24.xml",
                                  "ocds-two-lots.json"])
def test_each_fixture_imports(client, db, buyer, name):
    response = send(client, FIXTURES / name, buyer.headers)
    assert response.status_code == 201, response.json
    lots = response.json["items"][0]["tender"]["lots"]
    assert lots and all(lot["cpv_main"] and lot["title"] for lot in lots)


@pytest.mark.parametrize(("name", "said"), [
    ("eforms-INVALID_cn_24_empty.xml", "no lot"),
    ("xxe.xml", "DOCTYPE"),
    ("billion-laughs.xml", "DOCTYPE"),
    ("ocds-invalid.json", "releases/0"),
])
def test_a_refused_file_says_why_and_writes_nothing(client, db, buyer, name, said):
    with nothing_written(db):
        response = send(client, FIXTURES / name, buyer.headers)
    assert response.status_code == 422, response.json
    problems = response.json["error"]["details"]["fields"]["file"]
    assert any(said in problem for problem in problems), problems


@pytest.mark.parametrize(("body", "kind"), [
    (b"", "application/xml"), (b"not a notice", "application/xml"), (b"{", "application/json"),
    (b"[1, 2]", "application/json"), (b"\xff\xfe<x/>", "application/xml"),
    (b"<ContractNotice/>", "application/xml"), (b"[" * 5000, "application/json"),
    (json.dumps({"releases": [{}] * 3}).encode(), "application/json"),
])
def test_hostile_bodies_are_422_and_write_nothing(client, db, buyer, body, kind):
    with nothing_written(db):
        response = client.post("/api/v1/tenders/import", data=body,
                               headers={**buyer.headers, "Content-Type": kind})
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"]["fields"]["file"]


def test_only_a_buyer_imports(client, db, buyer):
    trader = make_member(db, name="Jardins de Cocagne", n=41)
    staff = bearer(db, make_user(db, email="staff@example.org",
                                 roles=[(Role.member_admin, trader.id)]))
    with nothing_written(db):
        assert send(client, FRENCH, {}).status_code == 401
        assert send(client, FRENCH, staff).status_code == 403
        # Not a buyer: refused before the file is read, whatever it holds.
        assert send(client, FIXTURES / "xxe.xml", staff).status_code == 403
        assert send(client, FRENCH, buyer.headers, member=trader.id).status_code == 403


def test_a_notice_another_buyer_imported_is_not_taken_over(client, db, buyer):
    other = Buyer(db, 42, "Département de la Manche")
    assert send(client, FRENCH, buyer.headers).status_code == 201
    with nothing_written(db):
        response = send(client, FRENCH, other.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"


def test_the_ocds_export_validates_and_reimports_to_the_same_tender(client, db, buyer):
    from market.procurement import ocds

    tender = send(client, FRENCH, buyer.headers).json["items"][0]["tender"]
    exported = client.get(f"/api/v1/tenders/{tender['id']}/ocds", headers=buyer.headers)
    assert exported.status_code == 200
    package = exported.json
    (notice,) = ocds.parse(json.dumps(package).encode())  # validated against the schema
    assert [lot.lot_id for lot in notice.lots] == ["LOT-0001", "LOT-0002"]
    again = client.post("/api/v1/tenders/import", data=json.dumps(package),
                        headers={**buyer.headers, "Content-Type": "application/json"})
    assert again.status_code == 200, again.json
    item = again.json["items"][0]
    assert item["created"] is False and item["tender"]["id"] == tender["id"]
    assert item["tender"]["lots"] == tender["lots"]


def test_the_command_imports_for_the_buyer_given_and_says_what_it_made(app, db, runner,
                                                                       buyer):
    result = runner.invoke(args=["procurement", "import", str(FRENCH), "--buyer",
                                 buyer.member.siret])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "LOT-0001" in result.output
    again = runner.invoke(args=["procurement", "import", str(FRENCH), "--buyer",
                                str(buyer.member.id)])
    assert again.exit_code == 0 and "updated" in again.output
    assert db.session.query(Tender).count() == 1


def test_the_command_refuses_an_invalid_notice_and_writes_nothing(app, db, runner, buyer):
    with nothing_written(db):
        result = runner.invoke(args=["procurement", "import",
                                     str(FIXTURES / "eforms-INVALID_cn_24_empty.xml"),
                                     "--buyer", buyer.member.siret])
    assert result.exit_code == 1 and "no lot" in result.output


def test_the_command_finds_the_buyer_by_the_siren_the_notice_gives(app, db, runner, buyer):
    # The French notice names its buyer by SIREN 123456789: not a member id.
    db.session.query(Member).filter_by(id=buyer.member.id).update({"siren": "123456789"})
    db.session.commit()
    result = runner.invoke(args=["procurement", "import", str(FRENCH)])
    assert result.exit_code == 0, result.output
    assert db.session.query(Tender).one().buyer_id == buyer.member.id


def test_the_command_needs_a_buyer_it_can_find(app, db, runner):
    with nothing_written(db):
        result = runner.invoke(args=["procurement", "import", str(FRENCH)])
    assert result.exit_code != 0 and "--buyer" in result.output


@pytest.mark.parametrize(("change", "said"), [({"version": "99"}, "plus récente"),
                                              ({"status": "awarded"}, "clos")])
def test_an_older_version_or_a_closed_tender_is_not_changed(client, db, buyer, change, said):
    assert send(client, FRENCH, buyer.headers).status_code == 201
    db.session.query(Tender).update(change)
    db.session.commit()
    with nothing_written(db):
        response = send(client, FRENCH, buyer.headers)
    assert response.status_code == 409 and said in response.json["error"]["message"]
