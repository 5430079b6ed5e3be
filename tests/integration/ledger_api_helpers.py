"""Set-up for the ledger API and page tests: two members, their users, a book of accounts."""

from dataclasses import dataclass

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

import ledger
from ledger.store.tables import accounts, events, postings, transfers
from market.auth.models import User, UserRole
from market.auth.roles import Role
from market.treasury.owners import owner_ref
from tests.integration.members_factories import PASSWORD, bearer, make_member

#: One cheap hash for every test user (the real cost factor only slows the suite down).
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

#: user name -> (role, member key or None)
USERS = {
    "treasurer_a": (Role.member_treasurer, "a"),
    "admin_a": (Role.member_admin, "a"),
    "staff_a": (Role.member_staff, "a"),
    "treasurer_b": (Role.member_treasurer, "b"),
    "network_treasurer": (Role.network_treasurer, None),
    "network_admin": (Role.network_admin, None),
    "buyer_a": (Role.buyer, "a"),
}


@dataclass
class World:
    """Members a and b, users by name, EUR accounts by name, API headers by user name."""

    members: dict
    users: dict
    accounts: dict
    headers: dict

    def as_(self, name: str, **extra) -> dict:
        """Headers of an API call made by user `name`."""
        return {**self.headers[name], **extra}


def make_user(db, email: str, roles) -> User:
    """Create and commit a user holding `roles`, (role, member_id or None) pairs."""
    user = User(email=email, password_hash=FAST_HASH)
    user.roles = [UserRole(role=role, member_id=member_id) for role, member_id in roles]
    db.session.add(user)
    db.session.commit()
    return user


def make_world(db) -> World:
    """Build the world; account `a` of member a holds 100.00 EUR from the system account."""
    members = {"a": make_member(db, "Coop A", n=1), "b": make_member(db, "Coop B", n=2)}
    users = {}
    for name, (role, member) in USERS.items():
        member_id = members[member].id if member else None
        users[name] = make_user(db, f"{name}@example.org", [(role, member_id)])
    headers = {name: bearer(db, user) for name, user in users.items()}
    engine = db.engine
    ledger.create_currency(engine, "EUR", "Euro", 2, "fiat")
    ledger.create_currency(engine, "SOL", "Sol", 2, "mutual_credit")
    a, b = owner_ref(members["a"].id), owner_ref(members["b"].id)
    specs = {"system": ("EUR", None, None, None), "a": ("EUR", a, 0, None),
             "a_line": ("EUR", a, "-50.00", None), "b": ("EUR", b, 0, None),
             "b_capped": ("EUR", b, 0, "20.00"), "a_sol": ("SOL", a, 0, None)}
    ids = {name: ledger.create_account(engine, currency, f"{name} account", owner_ref=owner,
                                       min_balance=low, max_balance=high)["id"]
           for name, (currency, owner, low, high) in specs.items()}
    ledger.transfer(engine, [{"from": ids["system"], "to": ids["a"], "amount": "100.00"}],
                    description="Apport initial")
    db.session.commit()  # end the session's read snapshot, taken before the ledger wrote
    return World(members, users, ids, headers)


def pay(source: int, target: int, amount="10.00", **extra) -> dict:
    """The body of a one-posting transfer."""
    return {"postings": [{"from": source, "to": target, "amount": amount}], **extra}


def snapshot(db) -> tuple:
    """What a refused request must leave untouched: rows and every stored balance."""
    def work(conn):
        counts = tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in (transfers, postings, events))
        sums = conn.execute(select(accounts.c.id, accounts.c.posted_debits,
                                   accounts.c.posted_credits, accounts.c.pending_debits,
                                   accounts.c.pending_credits).order_by(accounts.c.id)).all()
        return counts, [tuple(row) for row in sums]
    with db.engine.connect() as conn:
        return work(conn)


def error_of(response) -> dict:
    """The `error` member of a CONVENTIONS error body."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
