"""The notifications' write endpoints fed the hostile bodies of test_hostile_input.py: never a
500, and nothing written.

None of them reads a body: what they do depends on their path and on who calls. So, as that
test does for such endpoints, each is called by its user on a missing notification (404),
and on a real one without credentials (a redirect to sign in, or a 401); marking all read
names no object, so it is called without credentials only.
"""

import pytest

from market.notifications import services
from tests.integration.members_factories import bearer, log_in, make_user
from tests.integration.test_hostile_input import (
    MISSING,
    WRITES,
    csrf_token,
    digest_queries,
    form_bodies,
    json_bodies,
    path_of,
    send,
    table_digest,
)
from tests.integration.test_notifications_services import expiring

#: What test_hostile_input.py's BODYLESS set needs to list for these endpoints.
BODYLESS = {"notifications.mark_read", "notifications.mark_all_read",
            "notifications_api.mark_read", "notifications_api.mark_all_read"}


@pytest.fixture
def setting(db):
    """A user with an unread notification, and her API token."""
    user = make_user(db, "ana@example.org")
    [note] = services.notify(db.session, [user.id], "offer_expiring", expiring(), "/o/1")
    db.session.commit()
    return {"user": user, "headers": bearer(db, user), "paths": {"notification_id": note.id}}


def notification_write_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.methods & WRITES
                   and r.endpoint.startswith(("notifications.", "notifications_api."))),
                  key=lambda r: r.endpoint)


def test_the_notifications_write_endpoints_read_no_body(app):
    assert {r.endpoint for r in notification_write_rules(app)} == BODYLESS


def test_every_notifications_write_refuses_hostile_bodies_without_a_500_or_a_write(
        app, client, db, setting):
    failures = []
    with db.engine.connect() as conn:
        queries = digest_queries(conn)
    for rule in notification_write_rules(app):
        method = sorted(rule.methods & WRITES)[0]
        api = rule.rule.startswith("/api/")
        missing = path_of(rule, {name: MISSING for name in rule.arguments})
        real = path_of(rule, setting["paths"])
        client.delete_cookie("session")
        if not api:
            log_in(client, setting["user"])
        headers = dict(setting["headers"]) if api else {}
        cases = (json_bodies() if api else
                 [(label, form, None) for label, form in form_bodies(csrf_token(client))])
        cases += [(f"{label} (no credentials)", body, kind) for label, body, kind in cases[:3]]
        for label, body, kind in cases:
            anonymous = label.endswith("(no credentials)") or not rule.arguments
            target, sent = (real, {}) if anonymous else (missing, headers)
            if anonymous:
                client.delete_cookie("session")
            with db.engine.connect() as conn:
                before = table_digest(conn, queries)
            response = send(client, method, target, body, kind, sent)
            with db.engine.connect() as conn:
                after = table_digest(conn, queries)
            changed = sorted(t for t in before if before[t] != after[t])
            if response.status_code >= 500 or changed or response.status_code < 300:
                failures.append((rule.endpoint, label, response.status_code, changed))
    assert failures == [], "\n".join(map(repr, failures))
