"""`flask users ...`: create users and API tokens from the command line."""

from datetime import timedelta

from sqlalchemy import func, select

from market.auth.models import (
    ApiToken,
    LoginAttempt,
    RateLimit,
    User,
    UserRole,
    UserSession,
)
from market.auth.tokens import hash_token
from market.platform.time import now_utc
from tests.integration.auth_helpers import SIRETS, bearer, make_member


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_users_create_makes_a_member_admin_for_a_siret(runner, db):
    member = make_member(db)
    result = runner.invoke(args=["users", "create", "Admin@Coop.example", "--role",
                                 "member_admin", "--member", SIRETS[0], "--password",
                                 "long enough password", "--name", "Ane"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.name) == ("admin@coop.example", "Ane")
    assert user.has_role("member_admin", member.id)


def test_users_create_without_password_prints_a_generated_one(runner, db):
    result = runner.invoke(args=["users", "create", "root@reseau.example", "--role",
                                 "network_admin"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].split(": ", 1)[1]
    assert len(password) >= 20
    from werkzeug.security import check_password_hash
    assert check_password_hash(db.session.scalar(select(User.password_hash)), password)


def test_users_create_with_an_unknown_role_exits_non_zero_and_writes_nothing(runner, db):
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "emperor",
                                 "--password", "long enough password"])
    assert result.exit_code != 0
    assert "emperor" in result.output
    assert count(db, User) == 0


def test_users_create_with_an_unknown_siret_exits_non_zero_and_writes_nothing(runner, db):
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "member_staff",
                                 "--member", SIRETS[1], "--password", "long enough password"])
    assert result.exit_code == 1
    assert "Aucun membre n'a le SIRET" in result.output
    assert count(db, User) == 0


def test_users_create_refuses_a_member_role_without_member(runner, db):
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "buyer",
                                 "--password", "long enough password"])
    assert result.exit_code == 1
    assert count(db, User) == 0


def test_users_create_refuses_a_network_role_for_a_member(runner, db):
    make_member(db)
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "network_admin",
                                 "--member", SIRETS[0], "--password", "long enough password"])
    assert result.exit_code == 1
    assert "rôle du réseau" in result.output
    assert count(db, User) == 0


def test_users_create_refuses_a_duplicate_email(runner, db):
    args = ["users", "create", "x@example.org", "--role", "network_admin", "--password",
            "long enough password"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=[*args[:2], "X@example.org", *args[3:]])
    assert result.exit_code == 1
    assert "Un compte existe déjà" in result.output
    assert count(db, User) == 1


def test_users_token_prints_the_token_alone_on_the_last_line(runner, db, client):
    runner.invoke(args=["users", "create", "bot@reseau.example", "--role",
                        "network_treasurer", "--password", "long enough password"])
    result = runner.invoke(args=["users", "token", "bot@reseau.example", "--name", "export"])
    assert result.exit_code == 0, result.output
    token = result.output.rstrip("\n").splitlines()[-1]
    assert token.startswith("ic_") and " " not in token
    assert db.session.scalar(select(ApiToken.token_hash)) == hash_token(token)
    assert client.get("/api/v1/me", headers=bearer(token)).json["email"] == "bot@reseau.example"


def test_users_token_for_an_unknown_email_exits_non_zero(runner, db):
    result = runner.invoke(args=["users", "token", "ghost@example.org"])
    assert result.exit_code == 1
    assert count(db, ApiToken) == 0


def test_users_grant_adds_a_role_and_users_list_shows_it(runner, db):
    member = make_member(db)
    runner.invoke(args=["users", "create", "x@example.org", "--role", "network_admin",
                        "--password", "long enough password"])
    result = runner.invoke(args=["users", "grant", "x@example.org", "--role",
                                 "member_treasurer", "--member", SIRETS[0]])
    assert result.exit_code == 0, result.output
    assert count(db, UserRole) == 2
    listing = runner.invoke(args=["users", "list"]).output
    assert f"member_treasurer#{member.id}" in listing and "network_admin" in listing


def test_users_revoke_token_and_deactivate_shut_the_api_out(runner, db, client):
    runner.invoke(args=["users", "create", "x@example.org", "--role", "network_admin",
                        "--password", "long enough password"])
    first = runner.invoke(args=["users", "token", "x@example.org"]).output.split()[-1]
    second = runner.invoke(args=["users", "token", "x@example.org"]).output.split()[-1]
    first_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))
    assert runner.invoke(args=["users", "revoke-token", "x@example.org",
                               str(first_id)]).exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200
    assert runner.invoke(args=["users", "deactivate", "x@example.org"]).exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 401


def make_user_for_sessions(db) -> User:
    user = User(email="sessions@example.org", password_hash="x")
    db.session.add(user)
    db.session.flush()
    return user


def test_users_prune_login_attempts_forgets_only_old_attempts_and_windows(runner, db):
    now = now_utc()
    db.session.add_all([LoginAttempt(email="a@example.org", ip="1.2.3.4", at=now),
                        LoginAttempt(email="a@example.org", ip="1.2.3.4",
                                     at=now - timedelta(days=40)),
                        RateLimit(scope="login_ip", key="1.2.3.4", window_start=now, count=2),
                        RateLimit(scope="login_ip", key="5.6.7.8", count=5,
                                  window_start=now - timedelta(days=40))])
    user = make_user_for_sessions(db)
    db.session.add_all([UserSession(user_id=user.id, token_hash="a" * 64, created_at=now),
                        UserSession(user_id=user.id, token_hash="b" * 64,
                                    created_at=now - timedelta(days=40))])
    db.session.commit()
    result = runner.invoke(args=["users", "prune-login-attempts", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert (count(db, LoginAttempt), count(db, RateLimit), count(db, UserSession)) == (1, 1, 1)
    assert runner.invoke(args=["users", "prune-login-attempts"]).exit_code == 0
    assert (count(db, LoginAttempt), count(db, RateLimit), count(db, UserSession)) == (1, 1, 1)
