"""Sign-up: a SIRET claimed by a pending sign-up can be contested, and sign-ups are limited
per address and per email."""

from sqlalchemy import func, select

from market.auth.models import User
from market.auth.roles import Role
from market.members.models import Member
from tests.integration.auth_helpers import csrf_from, login, make_member, make_user
from tests.integration.test_auth_signup import approve_or_reject, signup_form

SIRET = "73282932000074"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sign_up(client, **changes):
    """Sign up as a new visitor (a fresh session each time), with the form's CSRF token."""
    client.delete_cookie("session")
    return client.post("/signup", data=signup_form(client, **changes))


def as_network_admin(client, db):
    client.delete_cookie("session")
    make_user(db, "admin@reseau.example", Role.network_admin)
    assert login(client, "admin@reseau.example").status_code == 302


def test_a_siret_claimed_by_a_pending_sign_up_can_be_contested(client, db):
    assert sign_up(client).status_code == 302
    contest = sign_up(client, organisation="Recyclerie du Port (la vraie)",
                      email="direction@recyclerie-port.example")
    assert contest.status_code == 302
    claims = db.session.scalars(select(Member).order_by(Member.id)).all()
    assert [(m.siret, m.status) for m in claims] == [(SIRET, "pending"), (SIRET, "pending")]
    assert count(db, User) == 2


def test_a_network_admin_sees_both_claims_of_a_contested_siret(client, db):
    sign_up(client)
    sign_up(client, organisation="Recyclerie du Port (la vraie)",
            email="direction@recyclerie-port.example")
    as_network_admin(client, db)
    page = client.get("/admin/members").get_data(as_text=True)
    assert page.count("SIRET revendiqué par 2 demandes") == 2
    assert "direction@recyclerie-port.example" in page and "maite@recyclerie.example" in page


def test_once_one_claim_is_approved_the_other_cannot_be(client, db):
    sign_up(client)
    sign_up(client, organisation="Recyclerie du Port (la vraie)",
            email="direction@recyclerie-port.example")
    first, second = db.session.scalars(select(Member.id).order_by(Member.id)).all()
    as_network_admin(client, db)
    assert approve_or_reject(client, second, "approve").status_code == 302
    page = client.get("/admin/members").get_data(as_text=True)
    assert "déjà celui de Recyclerie du Port (la vraie)" in page
    approve_or_reject(client, first, "approve")
    db.session.expire_all()
    assert db.session.get(Member, first).status == "pending"
    assert "ce SIRET est déjà celui" in client.get("/admin/members").get_data(as_text=True)


def test_a_siret_of_an_approved_member_cannot_be_claimed_again(client, db):
    make_member(db, siret=SIRET)
    response = sign_up(client)
    assert response.status_code == 422
    assert "déjà inscrite" in response.get_data(as_text=True)
    assert count(db, Member) == 1 and count(db, User) == 0


def test_sign_ups_from_one_address_are_limited(app, client, db):
    app.config["SIGNUP_MAX_PER_IP"] = 3
    for n in range(3):
        assert sign_up(client, email=f"contact{n}@coop.example",
                       siret="35600000000048" if n else SIRET).status_code in (302, 422)
    before = (count(db, Member), count(db, User))
    refused = sign_up(client, email="encore@coop.example", siret="44306184100047")
    assert refused.status_code == 429
    assert "Trop de demandes d&#39;adhésion" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert (count(db, Member), count(db, User)) == before


def test_sign_ups_for_one_email_are_limited_even_from_several_addresses(app, client, db):
    app.config["SIGNUP_MAX_PER_EMAIL"] = 2
    for n in range(2):
        client.delete_cookie("session")
        form = signup_form(client, siret="35600000000048")
        client.post("/signup", data=form, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    client.delete_cookie("session")
    form = signup_form(client, siret="44306184100047")
    refused = client.post("/signup", data=form, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert refused.status_code == 429
    assert count(db, User) == 1


def test_an_invalid_form_is_not_counted(app, client, db):
    app.config["SIGNUP_MAX_PER_IP"] = 1
    client.delete_cookie("session")
    form = signup_form(client, password_confirm="another password entirely")
    assert client.post("/signup", data=form).status_code == 422
    assert sign_up(client).status_code == 302
    assert csrf_from(client, "/account")


def test_approving_a_claim_through_the_api_when_the_siret_is_taken_is_a_conflict(client, db):
    from tests.integration.members_factories import bearer
    from tests.integration.members_factories import make_user as make_api_user

    holder = make_member(db, siret=SIRET, name="Titulaire")
    claim = make_member(db, siret="35600000000048", name="Revendication", status="pending")
    claim.siret = SIRET  # a pending claim of the holder's SIRET
    db.session.commit()
    admin = bearer(db, make_api_user(db, "api-admin@reseau.example",
                                     [(Role.network_admin, None)]))
    response = client.patch(f"/api/v1/members/{claim.id}", headers=admin,
                            json={"status": "active"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Member, claim.id).status == "pending"
    assert db.session.get(Member, holder.id).status == "active"


def test_a_siret_names_its_approved_member_even_while_contested(db):
    from market.members.services import member_with_siret
    from market.web.errors import Conflict

    first = make_member(db, siret=SIRET, name="Première", status="pending")
    assert member_with_siret(db.session, SIRET).id == first.id
    second = make_member(db, siret="35600000000048", name="Seconde", status="pending")
    second.siret = SIRET
    db.session.commit()
    try:
        member_with_siret(db.session, SIRET)
    except Conflict:
        pass
    else:
        raise AssertionError("two pending claims name no one")
    first.status = "active"
    db.session.commit()
    assert member_with_siret(db.session, SIRET).id == first.id
