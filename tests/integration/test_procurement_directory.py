"""The SIAE directory's CSV import: rows created, then updated by SIRET; bad rows told with
their line and reason while the others load."""

import pytest

from market.members.models import Member
from market.procurement import directory
from market.procurement.models import Structure
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import valid_siret, wrong_key

HEADER = ",".join(directory.COLUMNS)


def row(n: int, **fields) -> str:
    """A valid CSV line for structure ``n`` (a green-space ACI near La Rochelle)."""
    values = {"siret": valid_siret(n), "name": f"Jardins solidaires {n}", "kind": "ACI",
              "postcode": "17000", "city": "La Rochelle", "latitude": "46.160300",
              "longitude": "-1.151100", "cpv": "77310000-6", "reach": "radius",
              "radius_km": "60", "departments": "", "turnover_eur": "850000.50",
              "insertion_headcount": "24", **fields}
    return ",".join(f'"{values[c]}"' for c in directory.COLUMNS)


def csv_text(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def load(db, text: str) -> directory.Report:
    report = directory.import_directory(db.session, text)
    db.session.commit()
    return report


def test_rows_become_active_structures_with_their_reach_sectors_and_capacity(db):
    report = load(db, csv_text(
        row(1),
        row(2, kind="EA", cpv="90910000 90911200", reach="departments",
            departments="17 79 2a", latitude="", longitude="", postcode="79000",
            city="Niort", turnover_eur="", insertion_headcount=""),
        row(3, kind="etti", reach="country", radius_km="", cpv="79620000")))
    assert (report.created, report.updated, report.rejected) == (3, 0, [])
    first = db.session.query(Member).filter_by(siret=valid_siret(1)).one()
    assert first.status == "active" and first.inclusion_kind == "ACI"
    assert first.department == "17" and first.region == "Nouvelle-Aquitaine"
    assert first.turnover_cents == 85_000_050 and first.insertion_headcount == 24
    structure = db.session.get(Structure, first.id)
    assert structure.reach == "radius" and structure.radius_km == 60
    assert {a.sector_code for a in structure.activities} >= {"green.maintenance"}
    assert {a.sector_code for a in structure.activities} == {"green.maintenance"}
    assert {link.sector_code for link in first.sector_links} == {
        a.sector_code for a in structure.activities}
    second = db.session.query(Member).filter_by(siret=valid_siret(2)).one()
    assert second.latitude is not None  # the department's centre when none is given
    assert db.session.get(Structure, second.id).departments == ["17", "2A", "79"]
    third = db.session.query(Member).filter_by(siret=valid_siret(3)).one()
    assert third.inclusion_kind == "ETTI"
    assert {a.service_kind for a in db.session.get(Structure, third.id).activities} == {
        "staffing"}


def test_importing_a_siret_again_updates_it(db):
    load(db, csv_text(row(1), row(2)))
    report = load(db, csv_text(row(1, name="Jardins renommés", reach="country",
                                   radius_km="", turnover_eur="1000000")))
    assert (report.created, report.updated) == (0, 1)
    assert db.session.query(Member).count() == 2 and db.session.query(Structure).count() == 2
    member = db.session.query(Member).filter_by(siret=valid_siret(1)).one()
    assert member.name == "Jardins renommés" and member.turnover_cents == 100_000_000
    assert db.session.get(Structure, member.id).reach == "country"


@pytest.mark.parametrize(("fields", "reason"), [
    ({"siret": "123"}, "siret"),
    ({"siret": wrong_key(valid_siret(9))}, "siret"),
    ({"name": ""}, "name"),
    ({"kind": "SCOP"}, "kind"),
    ({"kind": "none"}, "kind"),
    ({"postcode": "1700"}, "postcode"),
    ({"postcode": "99000"}, "postcode"),
    ({"latitude": "91", "longitude": "0"}, "latitude"),
    ({"latitude": "abc"}, "latitude"),
    ({"latitude": "NaN", "longitude": "1"}, "latitude"),
    ({"cpv": ""}, "cpv"),
    ({"cpv": "12345678"}, "cpv"),
    ({"cpv": "7731000"}, "cpv"),
    ({"reach": "planet"}, "reach"),
    ({"radius_km": ""}, "radius_km"),
    ({"radius_km": "5000"}, "radius_km"),
    ({"reach": "departments", "departments": ""}, "departments"),
    ({"reach": "departments", "departments": "17 00"}, "departments"),
    ({"turnover_eur": "-5"}, "turnover_eur"),
    ({"turnover_eur": "12.345"}, "turnover_eur"),
    ({"turnover_eur": "1e30"}, "turnover_eur"),
    ({"insertion_headcount": "-1"}, "insertion_headcount"),
])
def test_a_bad_row_is_told_with_its_line_and_the_others_load(db, fields, reason):
    report = load(db, csv_text(row(1), row(2, **fields), row(3)))
    assert report.created == 2
    ((line, said),) = report.rejected
    assert line == 3 and said.startswith(reason), said
    assert db.session.query(Member).count() == 2


def test_a_siret_twice_in_one_file_keeps_the_first(db):
    report = load(db, csv_text(row(1), row(1, name="Doublon")))
    assert report.created == 1 and report.rejected == [(3, f"siret {valid_siret(1)} already "
                                                            "on line 2")]
    assert db.session.query(Member).one().name == "Jardins solidaires 1"


def test_a_line_with_extra_fields_is_rejected(db):
    report = load(db, csv_text(row(1) + ',"surplus"', row(2)))
    assert report.created == 1 and report.rejected == [(2, "more fields than the header has")]


def test_a_file_without_the_columns_is_refused_whole(db):
    with nothing_written(db), pytest.raises(directory.RowError, match="missing column"):
        directory.import_directory(db.session, "siret,name\n1,2\n")


def test_the_command_reports_rejected_lines_and_counts(app, db, runner, tmp_path):
    path = tmp_path / "siae.csv"
    path.write_text(csv_text(row(1), row(2, kind="XYZ"), row(3)), encoding="utf-8")
    result = runner.invoke(args=["siae", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:3: rejected: kind" in result.output
    assert "siae: 2 created, 0 updated, 1 rejected" in result.output
    again = runner.invoke(args=["siae", "import", str(path)])
    assert "siae: 0 created, 2 updated, 1 rejected" in again.output


def test_the_command_refuses_a_file_that_is_not_utf8(app, db, runner, tmp_path):
    path = tmp_path / "siae.csv"
    path.write_bytes(csv_text(row(1, city="Saint-Étienne")).encode("latin-1"))
    with nothing_written(db):
        result = runner.invoke(args=["siae", "import", str(path)])
    assert result.exit_code == 1 and "not UTF-8" in result.output
