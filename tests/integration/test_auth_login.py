"""Signing in and out: passwords, rate limiting, CSRF, safe redirects, session cookies."""

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from market.auth.models import LoginAttempt, UserSession
from market.auth.roles import Role
from tests.integration.auth_helpers import PASSWORD, csrf_from, login, make_member, make_user
from tests.integration.db_writes import nothing_written, writes


def attempts(db, **where) -> int:
    stmt = select(func.count()).select_from(LoginAttempt).filter_by(**where)
    return db.session.scalar(stmt)


def test_login_with_the_right_password_opens_a_session(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    response = login(client, "Alice@Example.org ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert attempts(db, email="alice@example.org", succeeded=True) == 1


def test_login_with_a_wrong_password_shows_the_form_again(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    response = login(client, "alice@example.org", "not the password")
    assert response.status_code == 401
    assert "Email ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert attempts(db, email="alice@example.org", succeeded=False) == 1


def test_login_with_an_unknown_email_says_the_same_as_a_wrong_password(client, db):
    response = login(client, "nobody@example.org", PASSWORD)
    assert "Email ou mot de passe incorrect" in response.get_data(as_text=True)


def test_login_is_refused_after_five_failures_even_with_the_right_password(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    for _ in range(5):
        assert login(client, "alice@example.org", "wrong password").status_code == 401
    response = login(client, "alice@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert client.get("/account").status_code == 302
    # The refused attempt checked no password: it is neither counted nor recorded.
    assert attempts(db, email="alice@example.org") == 5


def test_failures_from_one_address_limit_every_email_tried_from_it(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    for n in range(5):
        login(client, f"guess{n}@example.org", "wrong password")
    assert login(client, "alice@example.org", PASSWORD).status_code == 429


def test_a_deactivated_user_cannot_sign_in(client, db):
    user = make_user(db, "alice@example.org", Role.network_admin)
    user.active = False
    db.session.commit()
    response = login(client, "alice@example.org", PASSWORD)
    assert "Ce compte est désactivé" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_login_form_without_csrf_token_is_refused(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    with nothing_written(db, skip=()):  # no attempt, no use of a limit, no session
        response = client.post("/login", data={"email": "alice@example.org",
                                               "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert attempts(db) == 0


def test_login_goes_back_to_a_local_next_page(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    response = login(client, "alice@example.org", next_url="/admin/members")
    assert response.headers["Location"] == "/admin/members"


def test_login_never_redirects_to_another_site(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    response = login(client, "alice@example.org", next_url="//evil.example/phish")
    assert response.headers["Location"] == "/account"


def test_a_page_for_signed_in_users_redirects_anonymous_visitors_to_login(client):
    response = client.get("/account?tab=tokens")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/account?tab=tokens"]


def sessions_ended(db) -> list[bool]:
    return [s.ended_at is not None for s in db.session.scalars(select(UserSession))]


def test_logout_requires_a_csrf_token(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    login(client, "alice@example.org")
    with nothing_written(db, skip=()):
        assert client.post("/logout").status_code == 400
    assert sessions_ended(db) == [False]
    assert client.get("/account").status_code == 200
    token = csrf_from(client, "/account")
    with writes(db, "user_sessions", skip=()):
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert sessions_ended(db) == [True]
    assert client.get("/account").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    response = login(client, "alice@example.org")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_pending_members_admin_can_sign_in_and_sees_the_pending_status(client, db):
    member = make_member(db, status="pending", name="Recyclerie du Port")
    make_user(db, "admin@recyclerie.example", Role.member_admin, member)
    response = login(client, "admin@recyclerie.example")
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "attend la validation" in page
    assert "Recyclerie du Port" in page


def test_login_with_a_nul_character_is_a_bad_request_that_counts_nothing(client, db):
    response = login(client, "alice\u0000@example.org", "pass\u0000word")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert attempts(db) == 0


def test_a_nul_character_in_a_multipart_form_is_a_bad_request(client, db):
    make_user(db, "alice@example.org", Role.network_admin)
    data = {"email": "alice@example.org", "password": "pass\u0000word",
            "csrf_token": csrf_from(client, "/login")}
    response = client.post("/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert attempts(db) == 0


def test_an_incomplete_login_form_is_a_422(client, db):
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    assert attempts(db) == 0
