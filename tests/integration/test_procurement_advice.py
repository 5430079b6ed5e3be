"""Advice to a lot's buyer over HTTP, from the directory around the lot and the settings a
network admin changes; only the lot's buyer (and network admins) read it."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from market.auth.roles import Role
from market.procurement import advice
from market.procurement.advice import RANGES
from market.procurement.models import Reservation, TenderStatus
from market.procurement.outreach_models import ProcurementSettings
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, make_user
from tests.integration.procurement_factories import make_buyer, make_lot, make_structure

SETTINGS = "/api/v1/procurement/settings"


@pytest.fixture
def buyer(db):
    return make_buyer(db, 60)


@pytest.fixture
def admin(db):
    return bearer(db, make_user(db, email="admin@example.org",
                                roles=[(Role.network_admin, None)]))


def draft(db, buyer, **fields):
    """A draft lot of 120,000 EUR, not reserved and without a clause, in La Rochelle."""
    values = {"status": TenderStatus.draft, "reservation": Reservation.none,
              "value_eur": 120_000, "insertion_hours": None, **fields}
    return make_lot(db, buyer, **values)


def siae(db, count: int, first: int = 1) -> None:
    for n in range(first, first + count):
        make_structure(db, n, f"Jardins {n}", "ACI")


def advice_of(client, lot, headers) -> dict:
    response = client.get(f"/api/v1/lots/{lot.id}/advice", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_a_draft_lot_with_three_siae_around_is_advised_to_be_reserved_to_siae(client, db,
                                                                               buyer):
    siae(db, 3)
    lot = draft(db, buyer)
    with nothing_written(db):
        found = advice_of(client, lot, buyer.headers)
    assert (found["recommendation"], found["reservation"], found["insertion_hours"]) == (
        "reserve", "siae", None)
    assert found["answers"] == {"siae": 3, "disability": 0, "both": 3, "ess": 3}
    assert found["clause_structures"] == 3
    assert found["reasons"][0] == ("3 structures et groupements éligibles dans la zone pour "
                                   "un lot réservé aux SIAE, au moins 3 requis pour réserver "
                                   "le lot")
    assert found["thresholds"] == {"reserve_min_answers": 3, "clause_min_answers": 1,
                                   "labour_share_pct": 40, "insertion_share_pct": 7,
                                   "hourly_cost": "30.00"}
    assert found["current"] == {"reservation": "none", "insertion_hours": None,
                                "estimated_value": "120000.00", "status": "draft"}


def test_a_draft_lot_with_one_siae_around_is_advised_a_clause_of_the_computed_hours(client,
                                                                                     db, buyer):
    siae(db, 1)
    found = advice_of(client, draft(db, buyer), buyer.headers)
    # 120,000 EUR x 40 % x 7 % / 30 EUR = 112 h, rounded down to 110 h.
    assert (found["recommendation"], found["reservation"], found["insertion_hours"]) == (
        "clause", None, 110)
    assert any("= 112 h, soit 110 h" in reason for reason in found["reasons"])


def test_a_geiq_carries_a_clause_but_is_no_answer_to_a_siae_reservation(client, db, buyer):
    make_structure(db, 1, "GEIQ Paysage", "GEIQ")
    found = advice_of(client, draft(db, buyer), buyer.headers)
    assert found["answers"] == {"siae": 0, "disability": 0, "both": 0, "ess": 1}
    assert (found["clause_structures"], found["recommendation"]) == (1, "clause")


def test_a_structure_without_insertion_employees_carries_no_clause(client, db, buyer):
    make_structure(db, 1, "Jardins sans insertion", "ACI", headcount=0)
    found = advice_of(client, draft(db, buyer), buyer.headers)
    assert (found["clause_structures"], found["recommendation"]) == (0, "neither")


def test_a_lot_of_unknown_value_gets_no_clause(client, db, buyer):
    siae(db, 1)
    found = advice_of(client, draft(db, buyer, value_eur=None), buyer.headers)
    assert found["recommendation"] == "neither"
    assert found["current"]["estimated_value"] is None


def test_raising_the_reservation_threshold_changes_the_advice(client, db, buyer, admin):
    siae(db, 3)
    lot = draft(db, buyer)
    assert advice_of(client, lot, buyer.headers)["recommendation"] == "reserve"
    with writes(db, "procurement_settings"):
        response = client.patch(SETTINGS, json={"reserve_min_answers": 4}, headers=admin)
    assert response.status_code == 200, response.json
    assert response.json["reserve_min_answers"] == 4 and response.json["updated_at"]
    found = advice_of(client, lot, buyer.headers)
    assert (found["recommendation"], found["insertion_hours"]) == ("clause", 110)
    assert "au moins 4 requis pour réserver le lot" in found["reasons"][0]


def test_the_hourly_cost_set_by_an_admin_changes_the_hours(client, db, buyer, admin):
    siae(db, 1)
    lot = draft(db, buyer)
    response = client.patch(SETTINGS, json={"hourly_cost": "15.00", "labour_share_pct": 50},
                            headers=admin)
    assert response.status_code == 200, response.json
    # 120,000 EUR x 50 % x 7 % / 15 EUR = 280 h.
    assert advice_of(client, lot, buyer.headers)["insertion_hours"] == 280
    assert client.patch(SETTINGS, json={"clause_min_answers": 2},
                        headers=admin).status_code == 200
    assert advice_of(client, lot, buyer.headers)["recommendation"] == "neither"


def test_the_settings_show_every_field_with_their_defaults(client, db, buyer):
    with nothing_written(db):
        response = client.get(SETTINGS, headers=buyer.headers)
    assert response.status_code == 200
    assert response.json == {"batch_size": 20, "enough_interested": 5,
                             "reserve_min_answers": 3, "clause_min_answers": 1,
                             "labour_share_pct": 40, "insertion_share_pct": 7,
                             "hourly_cost": "30.00", "catalogue_threshold": "40000.00",
                             "currency": "EUR", "updated_at": None}
    assert client.get(SETTINGS).status_code == 401


def test_an_admin_changes_every_setting_at_once(client, db, admin):
    changes = {"batch_size": 50, "enough_interested": 8, "reserve_min_answers": 2,
               "clause_min_answers": 0, "labour_share_pct": 35, "insertion_share_pct": 10,
               "hourly_cost": "32.50", "catalogue_threshold": "25000.00"}
    response = client.patch(SETTINGS, json=changes, headers=admin)
    assert response.status_code == 200, response.json
    assert {k: response.json[k] for k in changes} == changes
    row = db.session.get(ProcurementSettings, 1)
    assert (row.hourly_cost_minor, row.catalogue_threshold_minor) == (3250, 2_500_000)
    assert client.get(SETTINGS, headers=admin).json["batch_size"] == 50


def test_only_a_network_admin_changes_the_settings(client, db, buyer):
    staff = bearer(db, make_user(db, email="treasurer@example.org",
                                 roles=[(Role.network_treasurer, None)]))
    with nothing_written(db):
        for headers in (buyer.headers, staff):
            response = client.patch(SETTINGS, json={"reserve_min_answers": 5}, headers=headers)
            assert response.status_code == 403
        assert client.patch(SETTINGS, json={"reserve_min_answers": 5}).status_code == 401


#: Each field just outside the range its CHECK constraint allows, and malformed values.
OUT_OF_RANGE = [
    {"batch_size": 0}, {"batch_size": 1001}, {"enough_interested": 0},
    {"reserve_min_answers": 0}, {"reserve_min_answers": 1001}, {"clause_min_answers": -1},
    {"clause_min_answers": 1001}, {"labour_share_pct": 0}, {"labour_share_pct": 101},
    {"insertion_share_pct": 0}, {"insertion_share_pct": 101}, {"hourly_cost": "0.00"},
    {"hourly_cost": "21474836.48"}, {"catalogue_threshold": "21474836.48"},
    {"catalogue_threshold": "-1.00"}, {"hourly_cost": 30}, {"hourly_cost": "30.5"},
    {"hourly_cost": "30.001"}, {"hourly_cost": None}, {"batch_size": 2**40},
    {"batch_size": 20.0}, {"batch_size": "20"}, {"batch_size": True},
    {"reserve_min_answers": 4, "labour_share_pct": 500}, {"currency": "USD"},
    {"updated_at": "2024-01-01T00:00:00Z"},
]


@pytest.mark.parametrize("body", OUT_OF_RANGE, ids=str)
def test_a_setting_out_of_range_is_refused_and_nothing_is_written(client, db, admin, body):
    with nothing_written(db):
        response = client.patch(SETTINGS, json=body, headers=admin)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert set(response.json["error"]["details"]["fields"]) <= set(body)


def test_each_setting_takes_the_bounds_of_its_range(client, db, admin):
    for low_or_high in (0, 1):
        body = {name: bounds[low_or_high] for name, bounds in RANGES.items()
                if not name.endswith("_minor")}
        body |= {"hourly_cost": ("0.01", "21474836.47")[low_or_high],
                 "catalogue_threshold": ("0.00", "21474836.47")[low_or_high]}
        response = client.patch(SETTINGS, json=body, headers=admin)
        assert response.status_code == 200, response.json
        assert {k: response.json[k] for k in body} == body


@pytest.mark.parametrize("name", sorted(RANGES))
def test_the_ranges_are_those_the_table_s_checks_allow(db, name):
    low, high = RANGES[name]
    too_low = ProcurementSettings(id=1, **{name: low - 1})
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(too_low)
    if high < 2**31 - 1:  # the integer columns' own limit otherwise
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(ProcurementSettings(id=1, **{name: high + 1}))
    with db.session.begin_nested():
        db.session.add(ProcurementSettings(id=1, **{name: low}))
    db.session.rollback()


def test_another_buyer_cannot_tell_the_lot_from_a_missing_one(client, db, buyer):
    siae(db, 1)
    lot = draft(db, buyer)
    other = make_buyer(db, 61, "Ville de Niort")
    structure = make_structure(db, 5, "Jardins 5")
    with nothing_written(db):
        for path in (f"/api/v1/lots/{lot.id}/advice", "/api/v1/lots/999999/advice",
                     f"/api/v1/lots/{2**40}/advice", "/api/v1/lots/0/advice"):
            assert client.get(path).status_code == 401
            for headers in (other.headers, structure.headers):
                response = client.get(path, headers=headers)
                assert response.status_code == 404, path
                assert response.json["error"]["code"] == "not_found"


def test_a_network_admin_reads_the_advice_of_any_lot(client, db, buyer, admin):
    siae(db, 3)
    found = advice_of(client, draft(db, buyer), admin)
    assert found["recommendation"] == "reserve"


def test_a_published_lot_gets_advice_too(client, db, buyer):
    siae(db, 3)
    lot = draft(db, buyer, status=TenderStatus.published, reservation=Reservation.siae,
                insertion_hours=500)
    found = advice_of(client, lot, buyer.headers)
    assert (found["recommendation"], found["reservation"]) == ("reserve", "siae")
    assert found["reasons"][-1] == ("Aujourd'hui le lot est réservé aux SIAE, avec une clause "
                                    "d'insertion de 500 h")


def test_the_reasons_are_in_english_when_asked(client, db, buyer):
    siae(db, 1)
    lot = draft(db, buyer)
    english = advice_of(client, lot, {**buyer.headers, "Accept-Language": "en"})
    assert english["reasons"][0] == ("1 eligible structure or grouping in the area for a lot "
                                     "reserved for work-integration enterprises (SIAE), at "
                                     "least 3 needed to reserve the lot")
    assert any("€120,000 × 40% labour × 7% for insertion ÷ €30 an hour = 112 h" in reason
               for reason in english["reasons"])
    french = advice_of(client, lot, buyer.headers)
    assert french["reasons"][0].startswith("1 structure ou groupement éligible")


def test_a_first_change_racing_another_admin_s_keeps_the_row_saved_meanwhile(db, monkeypatch):
    db.session.add(ProcurementSettings(id=1, batch_size=30))
    db.session.commit()
    real_get, looks = db.session.get, []

    def get(*args, **kwargs):  # the row was not there yet when this change looked first
        looks.append(args)
        return None if len(looks) == 1 else real_get(*args, **kwargs)

    monkeypatch.setattr(db.session, "get", get)
    monkeypatch.setattr(advice, "settings", lambda session: ProcurementSettings(id=1))
    row = advice.update_settings(db.session, {"reserve_min_answers": 7})
    db.session.commit()
    monkeypatch.undo()
    assert len(looks) == 2
    assert (row.batch_size, row.reserve_min_answers) == (30, 7)
    assert db.session.scalar(select(func.count()).select_from(ProcurementSettings)) == 1
