"""Currency governance: creation with system accounts, policies, credit lines and their log."""

import pytest
from sqlalchemy import func, select

import ledger
from market.currencies import governance
from market.currencies.models import CreditLineChange, CurrencyPolicy
from market.web.errors import Conflict, ValidationError
from tests.integration.currency_factories import balance, fund, make_currency, open_account
from tests.integration.members_factories import make_member, make_network


def test_a_backed_currency_gets_an_issuance_account_and_a_euro_reserve(db):
    policy = make_currency(db, "EUSKO", "backed", redemption_fee_bp=200)
    accounts = {a["id"]: a for a in ledger.list_accounts(db.engine)}
    assert accounts[policy.issuance_account_id]["currency"] == "EUSKO"
    assert accounts[policy.issuance_account_id]["min_balance"] is None
    assert accounts[policy.reserve_account_id]["currency"] == "EUR"
    assert accounts[policy.reserve_account_id]["min_balance"] == "0.00"
    assert accounts[policy.fee_account_id]["currency"] == "EUSKO"
    euro = db.session.get(CurrencyPolicy, "EUR")
    assert accounts[euro.issuance_account_id]["name"] == "Compensation Stripe"


def test_a_mutual_credit_account_opens_with_the_default_line(db):
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="300.00")
    member = make_member(db)
    account = ledger.get_account(db.engine, open_account(db, member, "MUTU"))
    assert account["min_balance"] == "-300.00"
    assert account["owner_ref"] == f"member:{member.id}"


@pytest.mark.parametrize(("fields", "field"), [
    ({"scale": 7}, "scale"), ({"scale": -1}, "scale"), ({"kind": "fiat"}, "kind"),
    ({"code": "eu"}, "code"), ({"euro_parity": "0"}, "euro_parity"),
    ({"euro_parity": 1.5}, "euro_parity"), ({"redemption_fee_bp": 10_001}, "redemption_fee_bp"),
    ({"kind": "mutual_credit", "redemption_fee_bp": 100}, "redemption_fee_bp"),
    ({"default_credit_line": "-5.00", "kind": "mutual_credit"}, "default_credit_line"),
    ({"demurrage_period": "weekly"}, "demurrage_period"),
])
def test_an_invalid_currency_is_refused_and_nothing_is_written(db, fields, field):
    values = {"code": "SOL", "name": "Sol", "scale": 2, "kind": "backed", **fields}
    with pytest.raises(ValidationError) as refused:
        governance.create_currency(db.session, **values)
    db.session.rollback()
    assert field in refused.value.details["fields"]
    assert ledger.list_currencies(db.engine) == []
    assert db.session.scalar(select(func.count()).select_from(CurrencyPolicy)) == 0


def test_a_code_that_exists_is_a_conflict(db):
    make_currency(db, "SOL", "backed")
    with pytest.raises(Conflict):
        governance.create_currency(db.session, code="SOL", name="Autre", scale=2, kind="backed")
    db.session.rollback()
    assert [c["code"] for c in ledger.list_currencies(db.engine)] == ["EUR", "SOL"]


def test_a_currency_names_the_network_that_runs_it(db):
    network = make_network(db)
    policy = make_currency(db, "SOL", "mutual_credit", network_id=network.id)
    assert policy.network_id == network.id
    with pytest.raises(ValidationError):
        governance.create_currency(db.session, code="SOL2", name="x", scale=2,
                                   kind="backed", network_id=network.id + 99)


def test_demurrage_opens_the_commons_account(db):
    policy = make_currency(db, "CHIEM", "backed", demurrage_rate_bp=800,
                           demurrage_free_base="100.00", demurrage_period="monthly")
    assert policy.commons_account_id is not None
    assert policy.demurrage_free_base == 10_000


def test_a_credit_line_change_is_logged_with_who_and_why(db):
    make_currency(db, "MUTU", "mutual_credit", default_credit_line="100.00")
    member = make_member(db)
    account_id = open_account(db, member, "MUTU")
    updated = governance.set_credit_line(db.session, account_id, "800.00",
                                         reason="Contrat de cantine signé", by=None)
    db.session.commit()
    assert updated["min_balance"] == "-800.00"
    change = db.session.scalars(select(CreditLineChange)).one()
    assert (change.old_line, change.new_line, change.reason) == (10_000, 80_000,
                                                                 "Contrat de cantine signé")


def test_a_credit_line_below_the_current_debt_is_refused(db):
    policy = make_currency(db, "MUTU", "mutual_credit", default_credit_line="500.00")
    payer, payee = make_member(db, n=1), make_member(db, "Bois de la Nive", n=2)
    source, target = open_account(db, payer, "MUTU"), open_account(db, payee, "MUTU")
    ledger.transfer(db.engine, [{"from": source, "to": target, "amount": "400.00"}])
    with pytest.raises(ValidationError) as refused:
        governance.set_credit_line(db.session, source, "399.99", reason="trop bas")
    db.session.rollback()
    assert "credit_line" in refused.value.details["fields"]
    assert ledger.get_account(db.engine, source)["min_balance"] == "-500.00"
    assert db.session.scalar(select(func.count()).select_from(CreditLineChange)) == 0
    governance.set_credit_line(db.session, source, "400.00", reason="au plus juste")
    db.session.commit()
    assert balance(db, source) == "-400.00"
    assert policy.code == "MUTU"


@pytest.mark.parametrize("line", ["-1.00", "1.5", "abc", 12.5, None])
def test_a_malformed_or_negative_credit_line_is_refused(db, line):
    make_currency(db, "MUTU", "mutual_credit")
    account_id = open_account(db, make_member(db), "MUTU")
    with pytest.raises(ValidationError):
        governance.set_credit_line(db.session, account_id, line)
    db.session.rollback()


def test_only_mutual_credit_grants_lines(db):
    make_currency(db, "EUSKO", "backed")
    account_id = open_account(db, make_member(db), "EUSKO")
    fund(db, account_id, "10.00", "EUSKO")
    with pytest.raises(ValidationError):
        governance.set_credit_line(db.session, account_id, "10.00")
    db.session.rollback()
