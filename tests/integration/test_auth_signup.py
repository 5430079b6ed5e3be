"""Signing up a new member organisation, and a network admin approving or rejecting it."""

from sqlalchemy import func, select

from market.auth.models import User
from market.auth.roles import Role
from market.members.models import Member
from tests.integration.auth_helpers import (
    PASSWORD,
    SIRETS,
    csrf_from,
    login,
    make_member,
    make_user,
)


def signup_form(client, **changes) -> dict:
    """A complete, valid sign-up form with its CSRF token, changed by ``changes``."""
    form = {"organisation": "Recyclerie du Port", "siret": "732 829 320 00074",
            "legal_form": "scic", "inclusion_kind": "ACI", "postcode": "64100",
            "city": "Bayonne", "contact_name": "Maite Etxeberri",
            "email": "maite@recyclerie.example", "password": PASSWORD,
            "password_confirm": PASSWORD, "csrf_token": csrf_from(client, "/signup")}
    form.update(changes)
    return form


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_signup_creates_a_pending_member_and_its_admin(client, db):
    response = client.post("/signup", data=signup_form(client))
    assert response.status_code == 302
    member = db.session.scalar(select(Member))
    assert (member.name, member.siret, member.siren) == (
        "Recyclerie du Port", "73282932000074", "732829320")
    assert (member.status, member.legal_form, member.inclusion_kind) == ("pending", "scic", "ACI")
    user = db.session.scalar(select(User))
    assert user.email == "maite@recyclerie.example"
    assert user.holds_role(Role.member_admin, member.id)
    assert not user.has_role(Role.member_admin, member.id, acting="read")  # it waits
    assert user.password_hash.startswith("scrypt:")
    page = client.get("/account").get_data(as_text=True)
    assert "Votre adhésion attend la validation" in page


def test_signup_with_an_invalid_siret_shows_the_form_again_and_writes_nothing(client, db):
    response = client.post("/signup", data=signup_form(client, siret="73282932000075"))
    assert response.status_code == 422
    assert "clé de contrôle invalide" in response.get_data(as_text=True)
    assert 'value="Recyclerie du Port"' in response.get_data(as_text=True)
    assert count(db, Member) == 0 and count(db, User) == 0


def test_signup_with_a_siret_already_registered_is_refused(client, db):
    make_member(db, siret=SIRETS[0])
    response = client.post("/signup", data=signup_form(client))
    assert response.status_code == 422
    assert "déjà inscrite" in response.get_data(as_text=True)
    assert count(db, Member) == 1 and count(db, User) == 0


def test_signup_with_an_email_already_used_is_refused(client, db):
    make_user(db, "maite@recyclerie.example", Role.network_admin)
    response = client.post("/signup", data=signup_form(client, email="Maite@Recyclerie.example"))
    assert response.status_code == 422
    assert "Un compte existe déjà" in response.get_data(as_text=True)
    assert count(db, Member) == 0 and count(db, User) == 1


def test_signup_with_mismatched_or_short_passwords_is_refused(client, db):
    form = signup_form(client, password="short", password_confirm="other")
    page = client.post("/signup", data=form).get_data(as_text=True)
    assert "Entre 10 et 256 caractères" in page
    assert "ne sont pas identiques" in page
    assert count(db, Member) == 0


def test_signup_with_an_over_long_name_is_refused(client, db):
    response = client.post("/signup", data=signup_form(client, organisation="x" * 201))
    assert response.status_code == 422
    assert count(db, Member) == 0


def test_signup_without_csrf_token_is_refused(client, db):
    response = client.post("/signup", data=signup_form(client, csrf_token=""))
    assert response.status_code == 400
    assert count(db, Member) == 0


def approve_or_reject(client, member_id, action):
    token = csrf_from(client, "/admin/members")
    return client.post(f"/admin/members/{member_id}/{action}", data={"csrf_token": token})


def test_a_network_admin_approves_a_pending_member(client, db):
    client.post("/signup", data=signup_form(client))
    member_id = db.session.scalar(select(Member.id))
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    make_user(db, "admin@reseau.example", Role.network_admin)
    login(client, "admin@reseau.example")
    page = client.get("/admin/members").get_data(as_text=True)
    assert "Recyclerie du Port" in page and "Adhésions en attente" in page
    response = approve_or_reject(client, member_id, "approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member_id).status == "active"
    page = client.get("/admin/members").get_data(as_text=True)
    assert "est désormais membre du réseau" in page
    assert "Aucune demande d'adhésion en attente" in page


def test_a_network_admin_rejects_a_pending_member(client, db):
    member = make_member(db, status="pending")
    make_user(db, "admin@reseau.example", Role.network_admin)
    login(client, "admin@reseau.example")
    approve_or_reject(client, member.id, "reject")
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "rejected"


def test_a_member_already_decided_cannot_be_approved_again(client, db):
    member = make_member(db, status="rejected")
    make_user(db, "admin@reseau.example", Role.network_admin)
    login(client, "admin@reseau.example")
    approve_or_reject(client, member.id, "approve")
    assert "déjà été traitée" in client.get("/admin/members").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "rejected"


def test_approving_an_unknown_member_is_not_found(client, db):
    make_user(db, "admin@reseau.example", Role.network_admin)
    login(client, "admin@reseau.example")
    assert approve_or_reject(client, 999, "approve").status_code == 404


def test_signup_with_control_characters_is_refused_without_a_server_error(client, db):
    form = signup_form(client, organisation="Coop\u0001", email="a\u001b@example.org")
    response = client.post("/signup", data=form)
    assert response.status_code == 422
    assert "caractères de contrôle" in response.get_data(as_text=True)
    nul = client.post("/signup", data=signup_form(client, organisation="Coop\u0000"))
    assert nul.status_code == 400
    assert count(db, Member) == 0 and count(db, User) == 0
    assert count(db, Member) == 0 and count(db, User) == 0
