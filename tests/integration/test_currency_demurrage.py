"""Demurrage booked once per period, on the balance at the period's end, even when two runs
race."""

import threading
from datetime import UTC, date, datetime

import ledger
from market.currencies import demurrage
from market.currencies.governance import policy_of
from tests.integration.currency_factories import balance, make_currency, open_account
from tests.integration.members_factories import make_member

JANUARY = datetime(2026, 1, 15, 12, tzinfo=UTC)


def setup(db, holdings=("1100.00", "50.00", "400.00")) -> tuple:
    """EUSKO at 12 % a year above 100.00, monthly; member accounts funded in January."""
    policy = make_currency(db, "EUSKO", kind="mutual_credit", demurrage_rate_bp=1200,
                           demurrage_free_base="100.00", demurrage_period="monthly")
    ids = []
    for n, amount in enumerate(holdings, 1):
        account = open_account(db, make_member(db, f"Membre {n}", n=n), "EUSKO")
        ledger.transfer(db.session.connection(), [
            {"from": policy.issuance_account_id, "to": account, "amount": amount}], now=JANUARY)
        db.session.commit()
        ids.append(account)
    return policy_of(db.session, "EUSKO"), ids


def commons(db, policy) -> str:
    return balance(db, policy.commons_account_id)


def test_each_account_pays_the_yearly_rate_above_the_free_base_for_the_month(db, runner):
    policy, (rich, poor, middle) = setup(db)
    result = runner.invoke(args=["currency", "demurrage", "--date", "2026-01-20"])
    assert result.exit_code == 0, result.output
    assert "2 booked, 0 already booked, 0 refused" in result.output
    # 1,000.00 above the base × 12 % × 31 / 365 = 10.1917... -> 10.19; 300.00 -> 3.0575 -> 3.05
    assert (balance(db, rich), balance(db, poor), balance(db, middle)) == (
        "1089.81", "50.00", "396.95")
    assert commons(db, policy) == "13.24"


def test_running_it_twice_changes_nothing_the_second_time(db, runner):
    policy, _ids = setup(db)
    runner.invoke(args=["currency", "demurrage", "--date", "2026-01-02"])
    again = runner.invoke(args=["currency", "demurrage", "--date", "2026-01-31"])
    assert again.exit_code == 0, again.output
    assert "0 booked, 2 already booked" in again.output
    assert commons(db, policy) == "13.24"


def test_the_charge_reads_the_balance_at_the_end_of_the_period(db, runner):
    policy, (rich, *_rest) = setup(db)
    ledger.transfer(db.session.connection(), [
        {"from": policy.issuance_account_id, "to": rich, "amount": "5000.00"}])
    db.session.commit()  # posted now, after January: January's charge ignores it
    runner.invoke(args=["currency", "demurrage", "--date", "2026-01-20"])
    assert balance(db, rich) == "6089.81"


def test_a_period_not_over_is_refused_and_nothing_is_booked(db, runner):
    policy, _ids = setup(db)
    result = runner.invoke(args=["currency", "demurrage", "--date",
                                 date.today().isoformat()])
    assert result.exit_code != 0
    assert "book it after" in result.output
    assert commons(db, policy) == "0.00"


def test_two_concurrent_runs_book_each_charge_once(db):
    holdings = tuple(f"{100 + n}.00" for n in range(1, 41)) + ("2000.00",) * 20
    policy, ids = setup(db, holdings)
    rules = demurrage.rules_of(policy)
    engine = db.engine
    db.session.rollback()
    results, errors = [], []

    def run():
        try:
            results.append(demurrage.book_demurrage(engine, rules, date(2026, 1, 9)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = demurrage.charges(engine, rules, date(2026, 1, 9))
    assert sum(r.booked for r in results) == len(ids) == len(expected)
    assert sum(r.already for r in results) == len(ids)
    assert all(r.refused == 0 for r in results)
    total = sum(i["postings"][0]["amount"] for i in expected)
    assert ledger.parse_amount(commons(db, policy), 2) == total
