"""Every write endpoint, fed hostile bodies: never a 500, and nothing written.

The endpoints are read from the application's URL map, so a new one is covered the day it
is added (a test fails until it gets a sample path below). Each endpoint is called by a
caller allowed to use it, with a valid CSRF token for pages, so that the bodies reach the
parsing and validation they are meant to break. Endpoints that read no body at all (logout,
approve, revoke, post a hold...) act on what their path names: they are fed the hostile
bodies on a missing object, and on a real one without a valid CSRF token or credentials.

What a refused request may still write, by design, is left out of the comparison: the
sign-in and sign-up limits and the record of sign-in attempts (counting bad guesses is their
job), and a token's last use.
"""

import hashlib
import json

import pytest
from sqlalchemy import inspect, text
from werkzeug.routing import AnyConverter

import ledger
from market.auth import services as auth_services
from market.members.models import Member, MemberStatus
from market.notifications import services as notifications
from market.offers.models import Offer, Question, Want
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.currency_factories import make_currency
from tests.integration.ledger_api_helpers import make_world
from tests.integration.members_factories import bearer, log_in, valid_siret
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_contract,
    make_grouping,
    make_lot,
    make_structure,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
#: Endpoints that read no body: what they do depends on their path alone.
BODYLESS = {"auth.logout", "auth.revoke_token", "admin.approve_member", "admin.reject_member",
            "auth_api.delete_token", "ledger_api.post_transfer", "ledger_api.void_transfer",
            "ledger_api.reverse_transfer", "notifications.mark_read",
            "notifications.mark_all_read", "notifications_api.mark_read",
            "notifications_api.mark_all_read", "offers_api.offer_action",
            "offers_api.delete_image", "orders_api.order_action", "orders.act",
            "community.delete_want", "community.toggle_offer_star",
            "community.toggle_member_star", "community.renew_offer",
            "community_api.delete_want", "community_api.star_offer",
            "community_api.unstar_offer", "community_api.star_member",
            "community_api.unstar_member", "procurement_groupings.dissolve_grouping",
            "procurement_groupings_api.dissolve_grouping"}
#: Pages anyone may post to (no session needed).
PUBLIC = {"auth.login", "auth.signup", "auth.set_language"}
#: Tables (and columns) a refused request may write by design (see the module's docstring).
UNCOMPARED_TABLES = {"rate_limits", "login_attempts", "alembic_version"}
UNCOMPARED_COLUMNS = {("api_tokens", "last_used_at")}
MISSING = 2_000_000

HOSTILE_VALUES = ["\x00", "a\x01b\x1b[31m", "x" * 70_000, 10**30, -1, 1.5, [], {}, None, True,
                  "9" * 400, "2026-13-45T99:99:99", ["\x00"], {"$gt": ""}, "<script>", "é" * 5000]
FIELDS = ["postings", "transfers", "name", "code", "currency", "description", "reference",
          "metadata", "scale", "kind", "min_balance", "max_balance", "owner_member_id",
          "siret", "email", "status", "sectors", "networks", "latitude", "turnover",
          "expires_at", "can_create_tokens", "pending", "timeout_seconds", "post_by", "atomic",
          "password", "organisation", "legal_form", "inclusion_kind", "postcode", "city",
          "contact_name", "password_confirm", "current_password", "new_password",
          "new_password_confirm", "lifetime", "lang", "next", "country", "website"]
BIG = 11 * 1024 * 1024  # over MAX_CONTENT_LENGTH


def json_bodies() -> list[tuple[str, bytes, str]]:
    """(label, bytes, content type) of hostile JSON bodies."""
    bodies = [("deep", b"[" * 100_000 + b"]" * 100_000), ("deep object",
              b'{"a":' * 5000 + b"1" + b"}" * 5000),
              ("truncated", b'{"postings": [{"from": 1'), ("invalid utf-8", b"\xff\xfe{}"),
              ("array", b"[]"), ("null", b"null"), ("number", b"1e999"), ("string", b'"x"'),
              ("nan", b'{"amount": NaN, "scale": Infinity}'),
              ("duplicate keys", b'{"name": "a", "name": "\\u0000"}'),
              ("huge", b'{"name": "' + b"x" * BIG + b'"}'),
              ("many postings", json.dumps({"postings": [
                  {"from": 1, "to": 2, "amount": "1.00"}] * 20_000,
                  "transfers": [{"postings": [{"from": 1, "to": 2, "amount": "1.00"}]}]
                  * 20_000}).encode())]
    for value in HOSTILE_VALUES:
        label = f"every field {value!r}"[:40]
        bodies.append((label, json.dumps({f: value for f in FIELDS}).encode()))
    return [(label, body, "application/json") for label, body in bodies] + [
        ("json as text", b'{"name": "x"}', "text/plain")]


def form_bodies(csrf: str) -> list[tuple[str, dict | bytes]]:
    """(label, form) of hostile form bodies, each with a valid CSRF token."""
    forms = [(f"form {value!r}"[:40], {**{f: str(value) for f in FIELDS}, "csrf_token": csrf})
             for value in HOSTILE_VALUES if isinstance(value, str)]
    forms.append(("form lists", {**{f: ["a", "\x01", "b" * 3000] for f in FIELDS},
                                 "csrf_token": csrf}))
    forms.append(("form huge", {"name": "x" * BIG, "csrf_token": csrf}))
    return forms


def digest_queries(conn) -> dict[str, str]:
    """For every compared table, the query reading all its compared columns in order."""
    queries = {}
    for table in sorted(set(inspect(conn).get_table_names()) - UNCOMPARED_TABLES):
        columns = [c["name"] for c in inspect(conn).get_columns(table)
                   if (table, c["name"]) not in UNCOMPARED_COLUMNS]
        names = ", ".join(f'"{c}"' for c in columns)
        queries[table] = f'SELECT {names} FROM "{table}" ORDER BY 1'
    return queries


def table_digest(conn, queries: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows (what a write would change)."""
    found = {}
    for table, query in queries.items():
        rows = conn.execute(text(query)).all()
        found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


@pytest.fixture
def setting(db):
    """A world with an object of each kind the endpoints' paths name."""
    world = make_world(db)
    pending = Member(name="Coop en attente", siret=valid_siret(7), siren=valid_siret(7)[:9],
                     status=MemberStatus.pending)
    db.session.add(pending)
    db.session.commit()
    admin = world.users["network_admin"]
    token, _plaintext = auth_services.create_token(db.session, admin, "à révoquer")
    db.session.commit()
    minting = bearer(db, admin)  # replaced below by one that may create tokens
    _token, plaintext = auth_services.create_token(db.session, admin, "minting",
                                                   can_create_tokens=True)
    db.session.commit()
    minting = {"Authorization": f"Bearer {plaintext}"}
    held = ledger.hold(db.engine, [{"from": world.accounts["system"], "to": world.accounts["b"],
                                    "amount": "1.00"}], post_by="debtor")
    [note] = notifications.notify(db.session, [admin.id], "offer_expiring",
                                  {"offer_title": "Paniers", "expires_on": "2026-12-31"},
                                  "/offres/1")
    offer = Offer(member_id=world.members["a"].id, kind="product", title="Paniers",
                  sector_code="agri.baskets", unit="panier", price_minor=1500)
    db.session.add(offer)
    db.session.flush()
    want = Want(member_id=world.members["a"].id, title="Paniers bio")
    question = Question(offer_id=offer.id, member_id=world.members["b"].id, text="Bio ?")
    db.session.add_all([want, question])
    db.session.commit()
    buyer = make_buyer(db, 20)
    structure, partner = make_structure(db, 21, "Jardins"), make_structure(db, 22, "Bois")
    grouping = make_grouping(db, structure, [partner])
    lot = make_lot(db, buyer)
    contract = make_contract(db, lot, make_bid(db, lot, structure))
    governed = make_currency(db, "GOUV", "mutual_credit")
    return {"world": world, "db": db, "admin_headers": minting,
            "paths": {"member_id": pending.id, "token_id": token.id, "transfer_id": held["id"],
                      "notification_id": note.id, "offer_id": offer.id, "image_id": 1,
                      "action": "publish", "order_id": 1,
                      "want_id": want.id, "question_id": question.id, "reference_id": 1,
                      "tender_id": lot.tender_id, "lot_id": lot.id, "bid_id": contract.bid_id,
                      "contract_id": contract.id, "grouping_id": grouping.id,
                      "invoice_id": 1, "report_id": 1, "user_id": admin.id,
                      "code": governed.code, "account_id": world.accounts["a"],
                      "programme_id": 1, "redemption_id": 1, "request_id": 1,
                      "cooperative_id": pending.id}}


def path_of(rule, values: dict) -> str:
    """The rule's path with ``values`` for its arguments; fails on an argument not known."""
    # A choice in the path (publish or cancel...) takes its first item: it is not the body.
    choices = {name: sorted(converter.items)[0] for name, converter in rule._converters.items()
               if isinstance(converter, AnyConverter)}
    missing = sorted(set(rule.arguments) - set(values) - set(choices))
    assert not missing, f"{rule.endpoint}: add a sample value for {missing} to this test"
    return rule.build({**values, **choices}, append_unknown=False)[1]


def write_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.methods & WRITES
                   and r.endpoint != "static" and not r.endpoint.startswith("api-docs")),
                  key=lambda r: r.endpoint)


def csrf_token(client) -> str:
    return CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)


def send(client, method, path, body, content_type, headers):
    response = client.open(path, method=method, data=body, content_type=content_type,
                           headers=headers)
    response.close()
    return response


def test_every_write_endpoint_refuses_hostile_bodies_without_a_500_or_a_write(app, client,
                                                                               setting):
    db, world = setting["db"], setting["world"]
    failures = []
    with db.engine.connect() as conn:
        queries = digest_queries(conn)
    rules = write_rules(app)
    assert len(rules) >= 20  # the endpoints of today; more only make it longer
    for rule in rules:
        method = sorted(rule.methods & WRITES)[0]
        api = rule.rule.startswith("/api/")
        bodyless = rule.endpoint in BODYLESS
        values = {name: MISSING for name in rule.arguments} if bodyless else setting["paths"]
        path = path_of(rule, values)
        client.delete_cookie("session")
        if not api and rule.endpoint not in PUBLIC:
            log_in(client, world.users["network_admin"])
        headers = dict(setting["admin_headers"]) if api else {}
        cases = ([(label, body, kind) for label, body, kind in json_bodies()] if api else
                 [(label, form, None) for label, form in form_bodies(csrf_token(client))])
        if bodyless:  # a real object, without what would let the request act
            real = path_of(rule, setting["paths"])
            cases += [(f"{label} (no credentials)", body, kind)
                      for label, body, kind in cases[:3]]
        for label, body, kind in cases:
            # Acting with no object named (logout): only without a session to end.
            anonymous = label.endswith("(no credentials)") or bodyless and not rule.arguments
            target, sent = (real, {}) if anonymous else (path, headers)
            if anonymous:
                client.delete_cookie("session")
            with db.engine.connect() as conn:
                before = table_digest(conn, queries)
            response = send(client, method, target, body, kind, sent)
            with db.engine.connect() as conn:
                after = table_digest(conn, queries)
            changed = sorted(t for t in before if before[t] != after[t])
            if response.status_code >= 500 or changed or response.status_code < 300 \
                    and not (rule.endpoint == "auth.set_language"):
                failures.append((rule.endpoint, label, response.status_code, changed))
    assert failures == [], "\n".join(map(repr, failures))
