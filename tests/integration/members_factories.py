"""Small builders for member tests: valid SIRETs, members, users with roles, tokens, login."""

from stdnum import luhn
from werkzeug.security import generate_password_hash

from market.auth.models import User, UserRole
from market.auth.tokens import issue_token
from market.members.models import Member, MemberSector, MemberStatus, Network

PASSWORD = "correct horse battery staple"
#: PASSWORD's scrypt hash, made once per process: hashing costs ~0.1 s, and tests make
#: thousands of users (signing in still checks the password against it).
PASSWORD_HASH = generate_password_hash(PASSWORD)


def valid_siret(n: int) -> str:
    """Return a Luhn-valid SIRET built from the number ``n``."""
    siren = f"{n + 10_000_000:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def wrong_key(siret: str) -> str:
    """Return ``siret`` with its last digit changed, so the Luhn key fails."""
    return siret[:-1] + str((int(siret[-1]) + 1) % 10)


def make_network(db, slug="ripess-europe", name="RIPESS Europe") -> Network:
    """Create and commit a network."""
    network = Network(slug=slug, name=name, kind="international")
    db.session.add(network)
    db.session.commit()
    return network


def make_member(db, name="Jardins de l'Adour", n=1, sectors=(), networks=(),
                status=MemberStatus.active, **fields) -> Member:
    """Create and commit a member with a valid SIRET derived from ``n``."""
    siret = valid_siret(n)
    values = {"region": "Nouvelle-Aquitaine", "department": "64", "city": "Bayonne",
              "country": "FR", "nuts_code": "FRI15", **fields}
    member = Member(name=name, siret=siret, siren=siret[:9], status=status, **values)
    member.sector_links = [MemberSector(sector_code=code) for code in sectors]
    member.networks = list(networks)
    db.session.add(member)
    db.session.commit()
    return member


def make_user(db, email="someone@example.org", roles=()) -> User:
    """Create and commit a user holding ``roles``: (role, member_id or None) pairs."""
    user = User(email=email, password_hash=PASSWORD_HASH)
    user.roles = [UserRole(role=role, member_id=member_id) for role, member_id in roles]
    db.session.add(user)
    db.session.commit()
    return user


def bearer(db, user: User) -> dict:
    """Return the Authorization header of a fresh API token of ``user``."""
    _token, plaintext = issue_token(db.session, user)
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def log_in(client, user: User) -> None:
    """Sign ``user`` in on ``client``: a session the server opened, named in the cookie."""
    from market.auth import sessions
    from market.platform.extensions import db

    db.session.rollback()  # a fresh transaction (requests share the test's session)
    sid = sessions.open_session(db.session, user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[sessions.KEY] = sid
