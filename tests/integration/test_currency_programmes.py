"""Social currency programmes: defined by network admins, paid once per period to 10,000
recipients, even when two runs race."""

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

import ledger
from ledger.store.tables import accounts
from market.auth.roles import Role
from market.currencies import programmes
from market.currencies.programme_models import Programme
from tests.integration.currency_factories import balance, make_currency, open_account
from tests.integration.ledger_api_helpers import error_of, snapshot
from tests.integration.members_factories import bearer, make_member, make_user


def bulk_accounts(db, code: str, count: int, owner_from: int = 1) -> list[int]:
    """Open ``count`` member accounts in ``code`` with one bulk insert (as create_account
    would write them), committed."""
    now = datetime.now(UTC)
    rows = [{"currency": code, "owner_ref": f"member:{owner_from + n}", "name": f"R{n}",
             "min_balance": 0, "max_balance": None, "status": "open", "posted_debits": 0,
             "posted_credits": 0, "pending_debits": 0, "pending_credits": 0,
             "created_at": now} for n in range(count)]
    conn = db.session.connection()
    ids = list(conn.execute(insert(accounts).returning(accounts.c.id), rows).scalars())
    db.session.commit()
    return sorted(ids)


@pytest.fixture
def headers(db):
    member = make_member(db)
    return member, {
        "admin": bearer(db, make_user(db, "admin@example.org", [(Role.network_admin, None)])),
        "member": bearer(db, make_user(db, "m@example.org", [(Role.member_admin, member.id)])),
    }


NEW = {"name": "Allocation", "currency": "EUSKO", "amount": "130.00", "period": "monthly",
       "start_date": "2026-01-01"}


def test_a_network_admin_defines_a_programme_paid_from_the_issuance_account(client, db,
                                                                            headers):
    member, h = headers
    policy = make_currency(db, "EUSKO", kind="mutual_credit")
    response = client.post("/api/v1/programmes", json=NEW, headers=h["admin"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["amount"], body["issuing_account"], body["recipients"]) == (
        "130.00", policy.issuance_account_id, 0)
    account = open_account(db, member, "EUSKO")
    added = client.post(f"/api/v1/programmes/{body['id']}/recipients",
                        json={"accounts": [account, account]}, headers=h["admin"])
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["items"] == [account]


def test_only_network_admins_define_programmes(client, db, headers):
    _member, h = headers
    make_currency(db, "EUSKO", kind="mutual_credit")
    before = snapshot(db)
    response = client.post("/api/v1/programmes", json=NEW, headers=h["member"])
    assert response.status_code == 403
    assert snapshot(db) == before


@pytest.mark.parametrize("change, field", [
    ({"currency": "NOPE"}, "currency"), ({"amount": "1.5"}, "amount"),
    ({"amount": 13}, "amount"), ({"period": "daily"}, "period"),
    ({"start_date": "tomorrow"}, "start_date"), ({"issuing_account": 999999}, "issuing_account"),
])
def test_a_bad_programme_is_a_clear_422_and_nothing_is_written(client, db, headers, change,
                                                               field):
    _member, h = headers
    make_currency(db, "EUSKO", kind="mutual_credit")
    before = snapshot(db)
    response = client.post("/api/v1/programmes", json={**NEW, **change}, headers=h["admin"])
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["details"]["fields"]
    assert snapshot(db) == before


def test_recipients_outside_the_currency_are_refused(client, db, headers):
    member, h = headers
    make_currency(db, "EUSKO", kind="mutual_credit")
    make_currency(db, "SOL", kind="mutual_credit")
    other = open_account(db, member, "SOL")
    created = client.post("/api/v1/programmes", json=NEW, headers=h["admin"]).get_json()
    response = client.post(f"/api/v1/programmes/{created['id']}/recipients",
                           json={"accounts": [other]}, headers=h["admin"])
    assert response.status_code == 422
    assert "accounts" in error_of(response)["details"]["fields"]


def make_programme(db, count: int) -> tuple[Programme, list[int]]:
    policy = make_currency(db, "EUSKO", kind="mutual_credit")
    programme = programmes.create_programme(db.session, {
        "name": "Allocation", "currency": "EUSKO", "amount": "130.00", "period": "monthly",
        "start_date": date(2026, 1, 1)})
    db.session.commit()
    ids = bulk_accounts(db, "EUSKO", count)
    for start in range(0, count, programmes.MAX_ADDED):
        programmes.add_recipients(db.session, programme.id, ids[start:start + 10_000])
    db.session.commit()
    assert policy.issuance_account_id not in ids
    return programme, ids


def test_ten_thousand_recipients_are_paid_once_for_the_month(db, runner):
    programme, ids = make_programme(db, 10_000)
    first = runner.invoke(args=["currency", "issue", "--date", "2026-02-10"])
    assert first.exit_code == 0, first.output
    assert "10000 booked, 0 already booked, 0 refused" in first.output
    again = runner.invoke(args=["currency", "issue", "--date", "2026-02-28"])
    assert "0 booked, 10000 already booked" in again.output
    assert balance(db, ids[0]) == balance(db, ids[-1]) == "130.00"
    issued = ledger.get_account(db.session.connection(), programme.issuing_account_id)
    assert issued["balance"] == "-1300000.00"


def test_the_next_month_is_paid_again_and_before_the_start_nothing(db, runner):
    _programme, ids = make_programme(db, 3)
    runner.invoke(args=["currency", "issue", "--date", "2025-12-31"])
    assert balance(db, ids[0]) == "0.00"
    runner.invoke(args=["currency", "issue", "--date", "2026-01-05"])
    runner.invoke(args=["currency", "issue", "--date", "2026-02-05"])
    assert balance(db, ids[0]) == "260.00"


def test_a_paused_programme_pays_nothing(db, runner):
    programme, ids = make_programme(db, 3)
    programmes.update_programme(db.session, programme.id, {"active": False})
    db.session.commit()
    runner.invoke(args=["currency", "issue", "--date", "2026-01-05"])
    assert balance(db, ids[0]) == "0.00"


def test_two_concurrent_issuances_pay_each_recipient_once(db):
    programme, ids = make_programme(db, 2_500)
    recipients = programmes.recipient_ids(db.session, programme.id)
    db.session.expunge(programme)
    engine = db.engine
    db.session.rollback()
    results, errors = [], []

    def run():
        try:
            results.append(programmes.issue(engine, programme, recipients, date(2026, 3, 1)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.booked for r in results) == len(ids)
    assert sum(r.already for r in results) == len(ids)
    issued = ledger.get_account(db.session.connection(), programme.issuing_account_id)
    assert issued["balance"] == ledger.format_amount(-13_000 * len(ids), 2)
