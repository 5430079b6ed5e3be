"""Insertion hours' pages: a contract's hours and its report form (for its structures), the
clause facilitator's desk (validate, question), the buyer's totals and their CSV; who sees
what, CSRF on every POST, refused forms writing nothing."""

import csv
import html as htmllib
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from market.auth.roles import Role
from market.members.models import MemberStatus
from market.notifications.models import Notification
from market.procurement.contract_models import HoursReport
from market.procurement.hours import month_start, month_text
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.hours_helpers import REVIEWED, make_hours_world
from tests.integration.members_factories import log_in, make_user
from tests.integration.procurement_factories import (
    make_buyer,
)


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.fixture
def world(db):
    return make_hours_world(db)


def user_of(world, who):
    found = world[who]
    return getattr(found, "user", found)


def token(client) -> str:
    """The session's CSRF token, from the language form every page carries."""
    return CSRF_INPUT.search(client.get("/marches").get_data(as_text=True)).group(1)


def sign(client, world, who) -> None:
    """Sign ``who`` in (None: whoever is signed in stays)."""
    if who is not None:
        log_in(client, user_of(world, who))


def hours_path(world, contract="contract") -> str:
    return f"/contrats/{world[contract]}/heures"


def send(client, world, who="holder", contract="contract", csrf=True, **fields):
    """Post the report form as ``who`` (None: as whoever is signed in)."""
    sign(client, world, who)
    form = {"month": "2025-02", "category": "long_term_unemployed", "hours": "151.67",
            "people": "1", **fields}
    if csrf:
        form["csrf_token"] = token(client)
    return client.post(hours_path(world, contract), data=form)


def review(client, world, report_id: int, action: str, comment: str = "", who="f17",
           csrf=True):
    sign(client, world, who)
    form = {"comment": comment, **({"csrf_token": token(client)} if csrf else {})}
    verb = "valider" if action == "validate" else "questionner"
    return client.post(f"/facilitateur/releves/{report_id}/{verb}", data=form)


def only_report(db) -> HoursReport:
    db.session.expire_all()
    return db.session.scalar(select(HoursReport))


# -- a contract's hours ----------------------------------------------------------------------

def test_the_contract_s_people_read_its_hours_and_others_find_nothing(client, db, world):
    admin = make_user(db, email="admin@example.org", roles=[(Role.network_admin, None)])
    world["admin"] = admin
    world["stranger_buyer"] = make_buyer(db, 79, "Ville de Niort")
    for who in ("buyer", "holder", "partner", "f17", "admin"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            page = client.get(hours_path(world))
        assert page.status_code == 200, who
        assert "Heures d'insertion : Entretien des espaces verts" in text(page)
    for who in ("alone", "stranger_buyer", "f33"):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            assert client.get(hours_path(world)).status_code == 404, who
    assert client.get("/contrats/999999/heures").status_code == 404
    assert client.get(f"/contrats/{2**40}/heures").status_code == 404
    anonymous = client.application.test_client().get(hours_path(world))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_only_the_contract_s_structures_get_the_report_form(client, world):
    for who, form in (("holder", True), ("partner", True), ("buyer", False), ("f17", False)):
        log_in(client, user_of(world, who))
        assert ('id="report-form"' in text(client.get(hours_path(world)))) is form, who


def test_the_holder_reports_hours_from_the_form_and_sees_them(client, db, world):
    log_in(client, world["holder"].user)
    with writes(db, "hours_reports"):
        response = send(client, world, who=None, people="2")
    assert response.status_code == 302
    report = only_report(db)
    assert (str(report.hours), report.people, report.member_id, report.status) == \
        ("151.67", 2, world["holder"].member.id, "submitted")
    page = text(client.get(hours_path(world)))
    assert "151.67" in page and "Demandeurs d'emploi de longue durée" in page
    assert "envoyé, à examiner" in page


def test_a_grouping_member_reports_with_a_decimal_comma(client, db, world):
    response = send(client, world, who="partner", hours="35,5", category="youth")
    assert response.status_code == 302
    report = only_report(db)
    assert (str(report.hours), report.member_id) == ("35.50", world["partner"].member.id)


def test_the_report_form_needs_its_csrf_token(client, db, world):
    log_in(client, world["holder"].user)
    with nothing_written(db):
        assert send(client, world, who=None, csrf=False).status_code == 400


def test_a_month_not_ended_is_refused_on_the_page_keeping_what_was_typed(client, db, world):
    this_month = month_text(month_start(datetime.now(UTC)))
    log_in(client, world["holder"].user)
    with nothing_written(db):
        response = send(client, world, who=None, month=this_month, hours="12.50", people="3",
                        category="youth")
    assert response.status_code == 422
    page = text(response)
    assert "Ce mois n'est pas terminé" in page and 'aria-invalid="true"' in page
    assert f'value="{this_month}"' in page and 'value="12.50"' in page
    assert 'value="3"' in page and '<option value="youth" selected>' in page


@pytest.mark.parametrize("fields, field", [
    ({"month": "2024-12"}, "month"), ({"month": "février"}, "month"), ({"month": ""}, "month"),
    ({"hours": "0"}, "hours"), ({"hours": "1.234"}, "hours"), ({"hours": "abc"}, "hours"),
    ({"hours": "100000.01"}, "hours"), ({"hours": "١٥١"}, "hours"),
    ({"people": "0"}, "people"), ({"people": "-1"}, "people"), ({"people": "9" * 40}, "people"),
    ({"people": "x"}, "people"), ({"category": "named_person"}, "category"),
    ({"category": ""}, "category"), ({"member": "abc"}, "member"),
], ids=str)
def test_bad_reports_are_refused_on_the_page_and_write_nothing(client, db, world, fields,
                                                                field):
    log_in(client, world["holder"].user)
    with nothing_written(db):
        response = send(client, world, who=None, **fields)
    assert response.status_code == 422, fields
    assert f'id="{field}-error-1"' in text(response) or field == "member"
    assert "Ces heures ne sont pas enregistrées" in text(response)


def test_a_structure_reports_nothing_on_another_s_contract_nor_a_buyer(client, db, world):
    for who, contract, fields, status in (
            ("alone", "contract", {}, 404), ("holder", "other", {}, 404),
            ("alone", "contract", {"hours": "garbage"}, 404), ("buyer", "contract", {}, 403),
            ("holder", "contract", {"member": str(world["alone"].member.id)}, 403)):
        log_in(client, user_of(world, who))
        with nothing_written(db):
            response = send(client, world, who=None, contract=contract, **fields)
        assert response.status_code == status, (who, contract, fields)


def test_a_suspended_structure_reads_its_hours_without_the_form(client, db, world):
    world["holder"].member.status = MemberStatus.suspended
    db.session.commit()
    log_in(client, world["holder"].user)
    page = text(client.get(hours_path(world)))
    assert 'id="report-form"' not in page and "vous la lisez seulement" in page
    with nothing_written(db):
        assert send(client, world, who=None).status_code == 403


def test_a_questioned_report_shows_the_question_and_is_sent_again(client, db, world):
    send(client, world)
    report = only_report(db)
    assert review(client, world, report.id, "question", "Combien de personnes ?")\
        .status_code == 302
    log_in(client, world["holder"].user)
    page = text(client.get(hours_path(world)))
    assert "Combien de personnes ?" in page and "Corriger et renvoyer" in page
    fixing = text(client.get(f"{hours_path(world)}?corriger={report.id}"))
    assert "Question de l'animateur" in fixing and 'value="2025-02"' in fixing
    assert "Renvoyer le relevé" in fixing
    assert "Question de l'animateur" not in text(client.get(f"{hours_path(world)}?corriger=x"))
    assert send(client, world, hours="75.00", people="2").status_code == 302
    again = only_report(db)
    assert (again.id, again.status, str(again.hours)) == (report.id, "submitted", "75.00")


def test_a_validated_report_cannot_be_replaced_from_the_page(client, db, world):
    send(client, world)
    assert review(client, world, only_report(db).id, "validate").status_code == 302
    log_in(client, world["holder"].user)
    with nothing_written(db):
        response = send(client, world, who=None, hours="10.00")
    assert response.status_code == 409
    assert "Ce relevé a été validé" in text(response)


def test_the_contract_page_draws_the_chart_with_its_table(client, db, world):
    send(client, world, month="2025-01")
    send(client, world, month="2025-03", hours="100.00")
    first = db.session.scalars(select(HoursReport).order_by(HoursReport.id)).first()
    review(client, world, first.id, "validate")
    log_in(client, world["buyer"].user)
    page = text(client.get(hours_path(world)))
    assert 'role="img"' in page and "Heures d'insertion par mois" in page
    assert "251.67" in page and "600.00" in page
    assert "25.3 % de l'engagement validé" in page  # 151.67 of 600, said in words


# -- the facilitator's desk ------------------------------------------------------------------

def test_the_desk_lists_the_reports_to_review_of_the_territory(client, db, world):
    send(client, world)
    send(client, world, who="alone", contract="other", category="disabled", hours="20.25")
    log_in(client, world["f17"])
    page = text(client.get("/facilitateur"))
    assert "17 Charente-Maritime" in page
    assert page.count('class="desk-report"') == 2
    assert "Nettoyage Océan" in page and "20.25" in page and "Travailleurs handicapés" in page
    assert "0.0 % de l'engagement validé" in page
    log_in(client, world["f33"])
    page = text(client.get("/facilitateur"))
    assert 'class="desk-report"' not in page and "Aucun relevé à examiner" in page


def test_the_facilitator_validates_a_report_and_the_structure_is_told(client, db, world):
    send(client, world, who="partner")
    report = only_report(db)
    log_in(client, world["f17"])
    with writes(db, *REVIEWED):
        response = review(client, world, report.id, "validate", "Vu", who=None)
    assert response.status_code == 302
    assert (only_report(db).status, only_report(db).comment) == ("validated", "Vu")
    note = db.session.scalar(select(Notification))
    assert note.user_id == world["partner"].user.id and note.kind == "hours_reviewed"
    validated = text(client.get("/facilitateur?statut=validated"))
    assert validated.count('class="desk-report"') == 1 and "Valider" not in validated
    assert 'class="desk-report"' not in text(client.get("/facilitateur"))


def test_a_question_needs_a_comment_shown_on_the_desk(client, db, world):
    send(client, world)
    report = only_report(db)
    log_in(client, world["f17"])
    for comment in ("", "   "):
        with nothing_written(db):
            response = review(client, world, report.id, "question", comment, who=None)
        assert response.status_code == 422
        assert "Dites ce qui pose question." in text(response)
        assert f'aria-describedby="question-error-{report.id}"' in text(response)
    assert review(client, world, report.id, "question", "Combien ?").status_code == 302
    assert only_report(db).status == "questioned"


def test_a_facilitator_of_another_department_gets_404_and_writes_nothing(client, db, world):
    send(client, world)
    report = only_report(db)
    log_in(client, world["f33"])
    with nothing_written(db):
        assert review(client, world, report.id, "validate", who=None).status_code == 404
        assert review(client, world, report.id, "question", "?", who=None).status_code == 404
    log_in(client, world["f17"])
    with nothing_written(db):
        assert review(client, world, 999999, "validate", who=None).status_code == 404
        assert client.post(f"/facilitateur/releves/{2**40}/valider").status_code == 404


def test_review_forms_need_their_csrf_token_and_a_facilitator(client, db, world):
    send(client, world)
    report = only_report(db)
    log_in(client, world["f17"])
    with nothing_written(db):
        assert review(client, world, report.id, "validate", who=None,
                      csrf=False).status_code == 400
        assert review(client, world, report.id, "question", "?", who=None,
                      csrf=False).status_code == 400
    log_in(client, world["holder"].user)
    with nothing_written(db):
        assert review(client, world, report.id, "validate", who=None).status_code == 403
    log_in(client, world["buyer"].user)
    assert client.get("/facilitateur").status_code == 403


def test_a_report_reviewed_already_says_so_on_the_desk(client, db, world):
    send(client, world)
    report = only_report(db)
    review(client, world, report.id, "validate")
    with nothing_written(db):
        response = review(client, world, report.id, "question", "Et alors ?", who=None)
    assert response.status_code == 409
    assert "Seul un relevé envoyé" in text(response)


def test_an_unknown_filter_or_cursor_is_refused(client, world):
    log_in(client, world["f17"])
    assert client.get("/facilitateur?statut=everything").status_code == 422
    assert client.get("/facilitateur?cursor=garbage").status_code == 422


# -- the buyer's totals ----------------------------------------------------------------------

def test_the_buyer_reads_its_totals_and_downloads_them_as_csv(client, db, world):
    send(client, world)
    send(client, world, who="alone", contract="other", category="disabled", hours="20.25")
    review(client, world, only_report(db).id, "validate")
    log_in(client, world["buyer"].user)
    page = text(client.get("/acheteur/heures"))
    assert "Heures d'insertion de vos marchés" in page
    assert "800.00" in page and "171.92" in page and "151.67" in page
    assert "Travailleurs handicapés" in page and "/acheteur/heures.csv" in page
    response = client.get("/acheteur/heures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    total = dict(zip(lines[0], lines[-1], strict=True))
    assert (total["contract_id"], total["reported_hours"], total["validated_hours"]) == \
        ("total", "171.92", "151.67")


def test_only_buyers_read_buyer_totals(client, db, world):
    log_in(client, world["holder"].user)
    assert client.get("/acheteur/heures").status_code == 403
    assert client.get("/acheteur/heures.csv").status_code == 403
    log_in(client, world["buyer"].user)
    other = str(world["holder"].member.id)
    assert client.get(f"/acheteur/heures?member={other}").status_code == 404
    assert client.get(f"/acheteur/heures.csv?member={other}").status_code == 404
    assert client.get("/acheteur/heures?member=x").status_code == 422


def test_the_header_links_show_to_the_users_concerned(client, world):
    for who, desk, totals in (("f17", True, False), ("buyer", False, True),
                              ("holder", False, False)):
        log_in(client, user_of(world, who))
        page = text(client.get("/marches"))
        assert ('href="/facilitateur"' in page) is desk, who
        assert ('href="/acheteur/heures"' in page) is totals, who
