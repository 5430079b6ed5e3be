"""Small set-up helpers for the auth tests: members, users, CSRF tokens, signing in."""

import re

from market.auth import services
from market.auth.roles import NETWORK_SCOPED
from market.members.models import Member, MemberStatus

PASSWORD = "correct horse battery"
#: Valid SIRETs (Luhn-checked), for members created by the tests.
SIRETS = ("73282932000074", "35600000000048", "44306184100047", "55203253400646")
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_member(db, siret=SIRETS[0], name="Coop du Test", status=MemberStatus.active) -> Member:
    """Add a member organisation and commit."""
    member = Member(name=name, siret=siret, siren=siret[:9], status=status, city="Bayonne")
    db.session.add(member)
    db.session.commit()
    return member


def make_user(db, email, role=None, member=None, password=PASSWORD):
    """Add a user holding ``role`` (for ``member`` when member-scoped) and commit."""
    roles = []
    if role is not None:
        roles = [(role, None if role in NETWORK_SCOPED else member.id)]
    user = services.create_user(db.session, email, password, roles)
    db.session.commit()
    return user


def csrf_from(client, path="/login") -> str:
    """Read the CSRF token from the hidden input of the page at ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no csrf_token input on {path}"
    return match.group(1)


def login(client, email, password=PASSWORD, next_url=None):
    """Post the login form as a browser would; return the response."""
    token = csrf_from(client, "/login")
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def bearer(token: str) -> dict:
    """Headers authenticating an API call with ``token``."""
    return {"Authorization": f"Bearer {token}"}


def issue_token(db, user, name="test", **options) -> str:
    """Create an API token for ``user`` (``expires_at``, ``can_create_tokens``), commit, and
    return its plaintext."""
    _token, plaintext = services.create_token(db.session, user, name, **options)
    db.session.commit()
    return plaintext
