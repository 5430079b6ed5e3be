"""Insertion hours on a contract: its structures report them by month and category, the
territory's clause facilitator validates or questions them, the series drawn against the
hours committed, the buyer's totals and their CSV, and the facilitators' territories."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from market.auth.roles import Role
from market.members.models import MemberStatus
from market.notifications.models import Notification
from market.procurement import facilitators, hours_totals
from market.procurement.contract_models import Contract, HoursReport
from market.procurement.hours import month_start, month_text, next_month
from market.procurement.hours_chart import hours_chart
from market.procurement.models import GroupingMember, InvitationStatus
from tests.integration.db_writes import nothing_written, writes
from tests.integration.hours_helpers import REVIEWED, make_hours_world
from tests.integration.members_factories import bearer, make_user
from tests.integration.procurement_factories import (
    make_buyer,
)


@pytest.fixture
def world(db):
    world = make_hours_world(db)
    return {**world, "f17": bearer(db, world["f17"]), "f33": bearer(db, world["f33"])}


def report(client, world, who="holder", contract="contract", **fields):
    body = {"month": "2025-02", "category": "long_term_unemployed", "hours": "151.67",
            "people": 1, **fields}
    return client.post(f"/api/v1/contracts/{world[contract]}/hours", json=body,
                       headers=world[who].headers)


def review(client, world, report_id: int, action: str, comment: str | None = None,
           who="f17"):
    body = {} if comment is None else {"comment": comment}
    return client.post(f"/api/v1/hours/{report_id}/{action}", json=body, headers=world[who])


def reports(db) -> int:
    return db.session.scalar(select(func.count()).select_from(HoursReport))


# -- reporting -------------------------------------------------------------------------------

def test_the_holder_reports_the_hours_of_an_ended_month(client, db, world):
    with writes(db, "hours_reports"):
        response = report(client, world, people=2)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["month"], body["category"], body["hours"], body["people"], body["status"]) == \
        ("2025-02", "long_term_unemployed", "151.67", 2, "submitted")
    assert body["member"]["id"] == world["holder"].member.id
    assert body["lot"] == {"id": body["lot"]["id"], "title": world["lot_title"],
                           "department": "17"}
    stored = db.session.scalar(select(HoursReport))
    assert str(stored.hours) == "151.67" and stored.month == date(2025, 2, 1)


def test_a_member_of_the_contract_s_grouping_reports_its_own_hours(client, db, world):
    response = report(client, world, who="partner", category="youth", hours="35.5")
    assert response.status_code == 201, response.json
    assert response.json["member"]["id"] == world["partner"].member.id
    assert response.json["hours"] == "35.50"


def test_a_structure_reports_nothing_on_another_structure_s_contract(client, db, world):
    with nothing_written(db):
        assert report(client, world, who="alone").status_code == 404
        assert report(client, world, who="holder", contract="other").status_code == 404
        missing = client.post("/api/v1/contracts/999999/hours", headers=world["holder"].headers,
                              json={"month": "2025-02", "category": "youth", "hours": "1"})
        assert missing.status_code == 404
        too_big = client.post(f"/api/v1/contracts/{2**40}/hours",
                              headers=world["holder"].headers, json={})
        assert too_big.status_code == 404


def test_a_grouping_member_that_left_reports_nothing(client, db, world):
    membership = db.session.get(GroupingMember, (db.session.get(
        Contract, world["contract"]).grouping_id, world["partner"].member.id))
    membership.status = InvitationStatus.declined
    db.session.commit()
    with nothing_written(db):
        assert report(client, world, who="partner").status_code == 404


def test_a_suspended_structure_reads_its_contract_s_hours_but_reports_none(client, db, world):
    world["holder"].member.status = MemberStatus.suspended
    db.session.commit()
    with nothing_written(db):
        assert report(client, world).status_code == 403
        assert client.get(f"/api/v1/contracts/{world['contract']}/hours",
                          headers=world["holder"].headers).status_code == 200


def test_the_current_or_a_future_month_is_refused_and_nothing_is_written(client, db, world):
    today = month_start(datetime.now(UTC))
    with nothing_written(db):
        for month in (today, next_month(today), next_month(next_month(today))):
            response = report(client, world, month=month_text(month))
            assert response.status_code == 422, response.json
            assert "month" in response.json["error"]["details"]["fields"]


def test_a_month_before_the_award_is_refused(client, db, world):
    with nothing_written(db):
        response = report(client, world, month="2024-12")
    assert response.status_code == 422
    assert "2025-01" in response.json["error"]["details"]["fields"]["month"][0]


@pytest.mark.parametrize("fields", [
    {"hours": "0"}, {"hours": "0.00"}, {"hours": "-5.00"}, {"hours": 151.67}, {"hours": 10},
    {"hours": "1.234"}, {"hours": "100000.01"}, {"hours": "1e3"}, {"hours": "NaN"},
    {"hours": "١٥١"}, {"month": "٢٠٢٥-٠٢"}, {"hours": None},
    {"people": 0}, {"people": -1}, {"people": 2**40}, {"people": "3"},
    {"month": "2025-13"}, {"month": "2025-2"}, {"month": "février"}, {"month": 202502},
    {"category": "named_person"}, {"category": ""}, {"name": "Jean Dupont"},
], ids=str)
def test_bad_reports_get_a_validation_error_and_write_nothing(client, db, world, fields):
    with nothing_written(db):
        response = report(client, world, **fields)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"


def test_the_same_month_and_category_replace_a_submitted_report(client, db, world):
    first = report(client, world).json
    response = report(client, world, hours="140.00", people=3)
    assert response.status_code == 200, response.json
    assert (response.json["id"], response.json["hours"], response.json["people"]) == \
        (first["id"], "140.00", 3)
    assert reports(db) == 1
    # Another category of the same month is another report.
    assert report(client, world, category="disabled").status_code == 201


def test_a_validated_report_cannot_be_replaced(client, db, world):
    sent = report(client, world).json
    assert review(client, world, sent["id"], "validate").status_code == 200
    with nothing_written(db):
        response = report(client, world, hours="10.00")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_state"


def test_a_questioned_report_can_be_sent_again_and_is_submitted_anew(client, db, world):
    sent = report(client, world).json
    questioned = review(client, world, sent["id"], "question", "151,67 h pour 1 personne ?")
    assert questioned.status_code == 200 and questioned.json["status"] == "questioned"
    again = report(client, world, hours="75.00")
    assert again.status_code == 200, again.json
    assert (again.json["id"], again.json["status"], again.json["hours"]) == \
        (sent["id"], "submitted", "75.00")


# -- review ----------------------------------------------------------------------------------

def test_the_facilitator_of_the_department_validates_and_the_structure_is_told(client, db,
                                                                               world):
    sent = report(client, world, who="partner").json
    with writes(db, *REVIEWED):
        response = review(client, world, sent["id"], "validate", "Vu")
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["comment"]) == ("validated", "Vu")
    told = db.session.scalars(select(Notification)).all()
    assert {n.user_id for n in told} == {world["partner"].user.id}
    assert told[0].kind == "hours_reviewed"
    assert told[0].params == {"lot_title": world["lot_title"], "month": "2025-02",
                              "status": "validated"}
    assert told[0].url == f"/contrats/{world['contract']}"


def test_a_question_tells_the_structure_what_is_asked(client, db, world):
    sent = report(client, world).json
    response = review(client, world, sent["id"], "question", "Combien de personnes ?")
    assert response.status_code == 200
    assert response.json["comment"] == "Combien de personnes ?"
    note = db.session.scalar(select(Notification))
    assert (note.user_id, note.params["status"]) == (world["holder"].user.id, "questioned")


def test_a_facilitator_of_another_department_finds_no_report(client, db, world):
    sent = report(client, world).json
    with nothing_written(db):
        assert review(client, world, sent["id"], "validate", who="f33").status_code == 404
        assert review(client, world, sent["id"], "question", "?", who="f33").status_code == 404
        assert client.get(f"/api/v1/contracts/{world['contract']}/hours",
                          headers=world["f33"]).status_code == 404


def test_a_question_needs_a_comment(client, db, world):
    sent = report(client, world).json
    with nothing_written(db):
        for comment in (None, "", "   "):
            response = review(client, world, sent["id"], "question", comment)
            assert response.status_code == 422, response.json
            assert "comment" in response.json["error"]["details"]["fields"]


def test_only_a_submitted_report_is_reviewed_and_only_by_a_facilitator(client, db, world):
    sent = report(client, world).json
    assert review(client, world, sent["id"], "validate").status_code == 200
    with nothing_written(db):
        assert review(client, world, sent["id"], "validate").status_code == 409
        assert review(client, world, sent["id"], "question", "?").status_code == 409
        structure = client.post(f"/api/v1/hours/{sent['id']}/validate", json={},
                                headers=world["holder"].headers)
        assert structure.status_code == 403
        assert review(client, world, 999999, "validate").status_code == 404


# -- series, chart, lists and totals ---------------------------------------------------------

@pytest.fixture
def reported(client, world):
    """Three months of a grouping's reports, some validated: the figures below."""
    ids = [report(client, world, month="2025-01").json["id"],
           report(client, world, who="partner", month="2025-01", category="youth",
                  hours="35.50", people=2).json["id"],
           report(client, world, month="2025-03", hours="100.00").json["id"],
           report(client, world, who="alone", contract="other", month="2025-02",
                  category="disabled", hours="20.25").json["id"]]
    for i in (ids[0], ids[2]):
        assert review(client, world, i, "validate").status_code == 200
    return ids


def test_the_series_gives_each_month_s_exact_figures_against_the_commitment(client, world,
                                                                              reported):
    response = client.get(f"/api/v1/contracts/{world['contract']}/hours",
                          headers=world["buyer"].headers)
    assert response.status_code == 200, response.json
    series = response.json
    assert (series["committed"], series["reported_total"], series["validated_total"]) == \
        ("600.00", "287.17", "251.67")
    assert [(m["month"], m["reported"], m["validated"], m["cumulated_validated"])
            for m in series["months"]] == [("2025-01", "187.17", "151.67", "151.67"),
                                           ("2025-02", "0.00", "0.00", "151.67"),
                                           ("2025-03", "100.00", "100.00", "251.67")]
    assert series["months"][0]["by_category"] == {
        "long_term_unemployed": {"reported": "151.67", "validated": "151.67"},
        "youth": {"reported": "35.50", "validated": "0.00"}}
    assert len(series["reports"]) == 3


def test_the_series_is_read_by_the_contract_s_people_only(client, db, world, reported):
    path = f"/api/v1/contracts/{world['contract']}/hours"
    admin = bearer(db, make_user(db, email="admin@example.org",
                                 roles=[(Role.network_admin, None)]))
    other_buyer = make_buyer(db, 9, "Ville de Niort")
    with nothing_written(db):
        for headers in (world["holder"].headers, world["partner"].headers, world["f17"],
                        admin):
            assert client.get(path, headers=headers).status_code == 200
        for headers in (world["alone"].headers, other_buyer.headers, world["f33"]):
            assert client.get(path, headers=headers).status_code == 404
        assert client.get(path).status_code == 401


def test_the_chart_s_text_equivalent_holds_the_figures(app, client, world, reported):
    series = client.get(f"/api/v1/contracts/{world['contract']}/hours",
                        headers=world["buyer"].headers).json
    chart = hours_chart(series)
    assert [(r["month"], r["reported"], r["validated"], r["cumulated_validated"])
            for r in chart["rows"]] == [(m["month"], m["reported"], m["validated"],
                                         m["cumulated_validated"]) for m in series["months"]]
    assert (chart["committed"], chart["validated_total"], chart["percent_validated"]) == \
        ("600.00", "251.67", "41.9")
    # Three months: four points a line (zero at the award), the committed line above them.
    assert len(chart["validated_points"].split()) == 4
    assert float(chart["committed_y"]) < float(chart["reported_points"].split()[-1]
                                              .split(",")[1])
    with app.test_request_context():
        page = render_template_string(
            '{% from "procurement/_hours_chart.html" import hours_chart %}'
            "{{ hours_chart(chart) }}", chart=chart)
    assert 'role="img"' in page and "<table" in page
    for figure in ("2025-03", "187.17", "251.67", "600.00", "41.9"):
        assert figure in page
    assert "Demandeurs d&#39;emploi de longue durée : 251.67 heures" in page
    assert hours_chart({**series, "months": []}) is None


def test_the_facilitator_lists_the_reports_to_review_in_their_departments(client, world,
                                                                           reported):
    response = client.get("/api/v1/facilitator/reports?status=submitted", headers=world["f17"])
    assert response.status_code == 200, response.json
    assert [r["id"] for r in response.json["items"]] == [reported[1], reported[3]]
    page = client.get("/api/v1/facilitator/reports?limit=2", headers=world["f17"]).json
    rest = client.get(f"/api/v1/facilitator/reports?limit=2&cursor={page['next_cursor']}",
                      headers=world["f17"]).json
    assert [r["id"] for r in page["items"] + rest["items"]] == reported
    assert client.get("/api/v1/facilitator/reports", headers=world["f33"]).json["items"] == []
    assert client.get("/api/v1/facilitator/reports",
                      headers=world["holder"].headers).status_code == 403


def test_the_facilitator_sees_each_contract_of_the_territory_with_its_hours(client, world,
                                                                             reported):
    response = client.get("/api/v1/facilitator/summary", headers=world["f17"])
    assert response.status_code == 200, response.json
    assert [(i["contract_id"], i["committed"], i["reported"], i["validated"])
            for i in response.json["items"]] == [(world["contract"], "600.00", "287.17",
                                                  "251.67"),
                                                 (world["other"], "200.00", "20.25", "0.00")]
    assert client.get("/api/v1/facilitator/summary", headers=world["f33"]).json["items"] == []


def test_the_buyer_sees_the_totals_of_all_its_contracts(client, world, reported):
    response = client.get("/api/v1/buyer/hours", headers=world["buyer"].headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert [i["contract_id"] for i in body["items"]] == [world["contract"], world["other"]]
    assert body["totals"] == {
        "committed": "800.00", "reported": "307.42", "validated": "251.67",
        "by_category": {"disabled": {"reported": "20.25", "validated": "0.00"},
                        "long_term_unemployed": {"reported": "251.67", "validated": "251.67"},
                        "youth": {"reported": "35.50", "validated": "0.00"}}}
    assert client.get("/api/v1/buyer/hours", headers=world["holder"].headers).status_code == 403
    assert client.get(f"/api/v1/buyer/hours?member={world['holder'].member.id}",
                      headers=world["buyer"].headers).status_code == 403


def test_the_buyer_exports_its_totals_as_csv_with_formulas_defused(client, world, reported):
    response = client.get("/api/v1/buyer/hours.csv", headers=world["buyer"].headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = lines[0]
    assert header[:7] == ["contract_id", "lot", "holder", "department", "committed_hours",
                          "reported_hours", "validated_hours"]
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}
    first, other = rows[str(world["contract"])], rows[str(world["other"])]
    assert (first["committed_hours"], first["reported_hours"], first["validated_hours"],
            first["validated_long_term_unemployed"]) == ("600.00", "287.17", "251.67",
                                                         "251.67")
    assert other["holder"] == "'=Nettoyage Océan"  # a formula-looking name is quoted
    assert (rows["total"]["reported_hours"], rows["total"]["validated_hours"]) == \
        ("307.42", "251.67")


def test_totals_sum_exactly_on_both_databases(db, world, client):
    for n in range(1, 11):  # 0.01 h in each of ten months: floats would drift
        report(client, world, month=f"2025-{n:02d}", hours="0.01")
    data = hours_totals.buyer_hours(db.session, world["buyer"].member)
    assert data["totals"]["reported"] == "0.10"


# -- facilitators' territories ---------------------------------------------------------------

def test_the_cli_sets_a_facilitator_s_departments_replacing_the_old_ones(runner, db):
    user = make_user(db, email="anim@example.org", roles=[(Role.clause_facilitator, None)])
    result = runner.invoke(args=["users", "facilitator", "anim@example.org",
                                 "--departments", "17 79"])
    assert result.exit_code == 0, result.output
    assert facilitators.departments_of(db.session, user.id) == {"17", "79"}
    result = runner.invoke(args=["users", "facilitator", "anim@example.org",
                                 "--departments", "2a,33"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert facilitators.departments_of(db.session, user.id) == {"2A", "33"}


def test_the_cli_refuses_an_unknown_department_or_a_non_facilitator(runner, db):
    make_user(db, email="anim@example.org", roles=[(Role.clause_facilitator, None)])
    make_user(db, email="staff@example.org", roles=[(Role.network_admin, None)])
    with nothing_written(db):
        result = runner.invoke(args=["users", "facilitator", "anim@example.org",
                                     "--departments", "17 99"])
        assert result.exit_code != 0 and "99" in result.output
        result = runner.invoke(args=["users", "facilitator", "staff@example.org",
                                     "--departments", "17"])
        assert result.exit_code != 0
        result = runner.invoke(args=["users", "facilitator", "nobody@example.org",
                                     "--departments", "17"])
        assert result.exit_code != 0


def test_a_network_admin_sets_a_facilitator_s_territory_over_the_api(client, db, world):
    admin = bearer(db, make_user(db, email="admin@example.org",
                                 roles=[(Role.network_admin, None)]))
    user = make_user(db, email="anim@example.org", roles=[(Role.clause_facilitator, None)])
    path = f"/api/v1/facilitators/{user.id}/departments"
    with writes(db, "facilitator_departments"):
        response = client.put(path, json={"departments": ["79", "17", "17"]}, headers=admin)
    assert response.status_code == 200, response.json
    assert response.json["departments"] == [{"code": "17", "name": "Charente-Maritime"},
                                            {"code": "79", "name": "Deux-Sèvres"}]
    with nothing_written(db):
        for body in ({"departments": ["17", "999"]}, {"departments": "17"},
                     {"departments": ["\x00"]}, {}):
            assert client.put(path, json=body, headers=admin).status_code == 422
        assert client.put(path, json={"departments": ["17"]},
                          headers=world["f17"]).status_code == 403
        not_facilitator = client.put(f"/api/v1/facilitators/{world['buyer'].user.id}"
                                     "/departments", json={"departments": ["17"]},
                                     headers=admin)
        assert not_facilitator.status_code == 422
        assert not_facilitator.json["error"]["code"] == "not_eligible"
        assert client.put(f"/api/v1/facilitators/{2**40}/departments",
                          json={"departments": ["17"]}, headers=admin).status_code == 404
    me = client.get("/api/v1/facilitators/me", headers=world["f17"])
    assert me.status_code == 200
    assert me.json["departments"] == [{"code": "17", "name": "Charente-Maritime"}]
    assert client.get("/api/v1/facilitators/me", headers=admin).status_code == 403
