"""The sign-in limiter counts real failures only, in windows that real failures open.

An attempt refused because the limit is reached opens no window and counts nothing, so
nobody can keep a chosen user locked out for ever by trying now and then; the count and
the insert are one statement, so concurrent guesses cannot slip past the limit.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from market.auth import signin
from market.auth.models import LoginAttempt
from market.auth.roles import Role
from tests.integration.auth_helpers import PASSWORD, make_user

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
LIMITS = {"max_attempts": 5, "window_seconds": int(WINDOW.total_seconds())}


def sign_in(db, password, at, email="alice@example.org", ip="192.0.2.7"):
    """One sign-in as the login page makes it: the attempt is counted, then judged."""
    try:
        attempt = signin.start_login(db.session, email, ip, now=at, **LIMITS)
        db.session.commit()
        user = signin.finish_login(db.session, attempt, password)
        db.session.commit()
        return user
    except signin.TooManyAttempts:
        db.session.rollback()
        return "limited"
    except signin.InvalidCredentials:
        db.session.commit()
        return "refused"


@pytest.fixture
def alice(db):
    return make_user(db, "alice@example.org", Role.network_admin)


def test_five_failures_lock_the_email_until_the_window_they_opened_ends(db, alice):
    for minute in range(5):
        assert sign_in(db, "wrong", T0 + timedelta(minutes=minute)) == "refused"
    assert sign_in(db, PASSWORD, T0 + timedelta(minutes=10)) == "limited"
    # The window opened by the first failure ends at T0 + 15 min, not 15 min after the last.
    assert sign_in(db, PASSWORD, T0 + WINDOW + timedelta(seconds=1)).email == alice.email


def test_refused_attempts_do_not_keep_a_user_locked_out(db, alice):
    for _ in range(5):
        sign_in(db, "wrong", T0)
    # Someone keeps trying every few minutes while the lock lasts...
    for minute in range(2, 15, 3):
        assert sign_in(db, "wrong", T0 + timedelta(minutes=minute)) == "limited"
    # ...which opened no new window: the real user gets in as soon as the first one ends.
    assert sign_in(db, PASSWORD, T0 + WINDOW).email == alice.email


def test_a_refused_attempt_is_not_a_failure_and_a_success_not_one_either(db, alice):
    for _ in range(4):
        sign_in(db, "wrong", T0)
    assert sign_in(db, PASSWORD, T0 + timedelta(minutes=1)).email == alice.email
    assert sign_in(db, "wrong", T0 + timedelta(minutes=2)) == "refused"  # the fifth failure
    assert sign_in(db, PASSWORD, T0 + timedelta(minutes=3)) == "limited"
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 6


def test_failures_from_one_address_limit_every_email_tried_from_it(db, alice):
    for n in range(5):
        sign_in(db, "wrong", T0, email=f"guess{n}@example.org")
    assert sign_in(db, PASSWORD, T0 + timedelta(minutes=1)) == "limited"
    assert sign_in(db, PASSWORD, T0 + timedelta(minutes=1), ip="198.51.100.4").email \
        == alice.email


def test_concurrent_guesses_cannot_slip_past_the_limit(app, db, alice):
    """Twelve guesses at once: exactly five passwords are checked, the rest are refused."""
    start = threading.Barrier(12)
    outcomes = []
    engine = db.engine

    def guess(n):
        session = Session(engine)
        try:
            start.wait(10)
            attempt = signin.start_login(session, "alice@example.org", f"203.0.113.{n}",
                                           now=T0, **LIMITS)
            session.commit()
            outcomes.append("checked")
            del attempt
        except signin.TooManyAttempts:
            session.rollback()
            outcomes.append("limited")
        finally:
            session.close()

    def in_app(n):
        with app.app_context():
            guess(n)

    threads = [threading.Thread(target=in_app, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["checked"] * 5 + ["limited"] * 7


def test_old_attempts_of_an_email_are_pruned_when_it_signs_in(db, alice):
    db.session.add(LoginAttempt(email="alice@example.org", ip="192.0.2.7",
                                at=T0 - timedelta(days=400)))
    db.session.commit()
    sign_in(db, PASSWORD, T0)
    kept = db.session.scalars(select(LoginAttempt.at)).all()
    assert kept == [T0]


def test_requests_through_an_unknown_proxy_make_the_app_warn_once(app, client, caplog):
    assert app.config["PROXY_FIX_HOPS"] == 0
    with caplog.at_level("WARNING", logger="market.web.proxies"):
        for _ in range(3):
            client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"})
    warnings = [r for r in caplog.records if r.name == "market.web.proxies"]
    assert len(warnings) == 1 and "PROXY_FIX_HOPS" in warnings[0].getMessage()


def test_requests_without_a_proxy_make_no_warning(client, caplog):
    with caplog.at_level("WARNING", logger="market.web.proxies"):
        client.get("/login")
    assert not [r for r in caplog.records if r.name == "market.web.proxies"]
