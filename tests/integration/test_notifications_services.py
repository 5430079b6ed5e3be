"""Notifying users and members inside the caller's transaction; counting, listing, marking.

The helpers at the top (``expiring``, ``notify_one``) are shared by the other
test_notifications_* modules.
"""

import pytest
from sqlalchemy import func, select

from market.auth.roles import Role
from market.notifications import mail, messages, services
from market.notifications.models import Notification, NotificationKind, OutboxEmail
from market.web.errors import NotFound, ValidationError
from tests.integration.members_factories import make_member, make_user

#: Params of each kind, as the offers and orders domains pass them.
PARAMS = {
    "order_requested": {"order_id": 12, "offer_title": "Paniers de légumes",
                        "buyer_name": "Coop Txantxangorri"},
    "order_changed": {"order_id": 12, "offer_title": "Paniers de légumes",
                      "state": "accepted"},
    "question": {"offer_title": "Paniers de légumes", "asker_name": "Régie de quartier",
                 "excerpt": "Livrez-vous le samedi ?"},
    "answer": {"offer_title": "Paniers de légumes", "excerpt": "Oui, jusqu'à midi."},
    "want_match": {"want_title": "Légumes bio", "offer_title": "Paniers de légumes"},
    "offer_expiring": {"offer_title": "Paniers de légumes", "expires_on": "2026-12-31"},
    "lot_opportunity": {"lot_title": "Entretien des espaces verts", "buyer_name": "Ville",
                        "deadline": "2027-01-15"},
    "lot_answer": {"lot_title": "Entretien des espaces verts", "excerpt": "Oui, en mars."},
    "grouping_invitation": {"grouping_name": "GIE Vert", "lead_name": "ACI Jardins"},
    "grouping_changed": {"grouping_name": "GIE Vert", "member_name": "EI Bois",
                         "status": "accepted"},
    "bid_received": {"lot_title": "Entretien des espaces verts", "bidder_name": "GIE Vert"},
    "contract_awarded": {"lot_title": "Entretien des espaces verts", "holder_name": "GIE"},
    "invoice_paid": {"lot_title": "Entretien des espaces verts", "number": "F-1",
                     "amount": "1 250,00 EUR"},
    "hours_reviewed": {"lot_title": "Entretien des espaces verts", "month": "2026-11",
                       "status": "validated"},
}


def expiring(title: str = "Paniers de légumes") -> dict:
    """Params of an offer_expiring notification (its date reads differently per language)."""
    return {"offer_title": title, "expires_on": "2026-12-31"}


def notify_one(db, user, kind="offer_expiring", params=None, url="/offres/7"):
    """Notify ``user`` once and commit; return the notification."""
    [note] = services.notify(db.session, [user.id], kind, params or expiring(), url)
    db.session.commit()
    return note


def rows_seen_elsewhere(db, model) -> int:
    """How many rows of ``model`` another connection sees (what is committed)."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model.__table__))


def test_notify_writes_a_notification_and_an_email_per_user_and_commits_nothing(db):
    ana = make_user(db, "ana@example.org")
    ben = make_user(db, "ben@example.org")
    created = services.notify(db.session, [ana.id, ben.id, ana.id], "offer_expiring",
                              expiring(), "/offres/7")
    assert [n.user_id for n in created] == [ana.id, ben.id]  # once each, in order
    assert {e.to_address for e in db.session.scalars(select(OutboxEmail))} == {
        "ana@example.org", "ben@example.org"}
    # Nothing is committed, so no sender can see (let alone send) these emails yet.
    assert rows_seen_elsewhere(db, Notification) == 0
    assert rows_seen_elsewhere(db, OutboxEmail) == 0
    db.session.commit()
    assert rows_seen_elsewhere(db, Notification) == 2
    assert rows_seen_elsewhere(db, OutboxEmail) == 2
    email = db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.to_address == "ana@example.org")).one()
    assert email.status == "pending" and email.attempts == 0
    assert email.notification_id == created[0].id


def test_a_rollback_leaves_no_notification_and_no_mail(db):
    ana = make_user(db, "ana@example.org")
    services.notify(db.session, [ana.id], "offer_expiring", expiring(), "/offres/7")
    db.session.rollback()
    report = mail.send_due(db.engine, mail_url=None, mail_from="x@example.org")
    assert (report.sent, report.left) == (0, 0)
    assert rows_seen_elsewhere(db, Notification) == 0
    assert rows_seen_elsewhere(db, OutboxEmail) == 0


def test_notify_member_reaches_its_admins_and_staff_and_nobody_else(db):
    coop, other = make_member(db, "Coop", n=1), make_member(db, "Autre", n=2)
    admin = make_user(db, "admin@coop.example", [(Role.member_admin, coop.id)])
    staff = make_user(db, "staff@coop.example", [(Role.member_staff, coop.id),
                                                 (Role.member_admin, other.id)])
    treasurer = make_user(db, "treasurer@coop.example", [(Role.member_treasurer, coop.id)])
    make_user(db, "admin@autre.example", [(Role.member_admin, other.id)])
    created = services.notify_member(db.session, coop.id, "order_requested",
                                     PARAMS["order_requested"], "/commandes/12")
    assert sorted(n.user_id for n in created) == sorted([admin.id, staff.id])
    treasurers = services.notify_member(db.session, coop.id, "order_changed",
                                        PARAMS["order_changed"], "/commandes/12",
                                        roles=(Role.member_treasurer,))
    assert [n.user_id for n in treasurers] == [treasurer.id]


def test_an_inactive_user_is_notified_on_the_site_but_gets_no_email(db):
    gone = make_user(db, "gone@example.org")
    gone.active = False
    db.session.commit()
    assert len(services.notify(db.session, [gone.id, 9999], "offer_expiring", expiring(),
                               "/offres/7")) == 1  # an unknown id is skipped
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


@pytest.mark.parametrize("kind, params, url", [
    ("sale", {}, "/x"),
    ("order_requested", {"order_id": 1}, "/commandes/1"),
    ("offer_expiring", {"offer_title": "x", "expires_on": object()}, "/offres/1"),
    ("offer_expiring", expiring(), "https://evil.example/phish"),
    ("offer_expiring", expiring(), "//evil.example/phish"),
    ("offer_expiring", expiring(), "offres/1"),
    ("offer_expiring", expiring(), "/offres/1\n"),
], ids=["unknown kind", "missing params", "not json", "absolute url", "scheme-relative url",
        "relative url", "control character"])
def test_notify_refuses_what_only_a_bug_would_pass(db, kind, params, url):
    ana = make_user(db, "ana@example.org")
    with pytest.raises(ValueError):
        services.notify(db.session, [ana.id], kind, params, url)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_unread_count_follows_marking_one_and_all_read(db):
    ana, ben = make_user(db, "ana@example.org"), make_user(db, "ben@example.org")
    first, second = notify_one(db, ana), notify_one(db, ana)
    notify_one(db, ben)
    assert services.unread_count(db.session, ana.id) == 2
    services.mark_read(db.session, ana.id, first.id)
    services.mark_read(db.session, ana.id, first.id)  # again: no change
    assert services.unread_count(db.session, ana.id) == 1
    assert services.mark_all_read(db.session, ana.id) == 1
    assert services.unread_count(db.session, ana.id) == 0
    assert second.read_at is not None
    assert services.unread_count(db.session, ben.id) == 1  # not hers


def test_another_users_notification_is_not_found_like_a_missing_one(db):
    ana, ben = make_user(db, "ana@example.org"), make_user(db, "ben@example.org")
    theirs = notify_one(db, ben)
    messages_seen = []
    for notification_id in (theirs.id, 424242, 2**40):
        with pytest.raises(NotFound) as refused:
            services.mark_read(db.session, ana.id, notification_id)
        messages_seen.append(refused.value.message)
    assert len(set(messages_seen)) == 1
    assert theirs.read_at is None


def test_the_list_pages_newest_first_and_can_keep_to_unread_ones(db):
    ana = make_user(db, "ana@example.org")
    notes = [notify_one(db, ana, params=expiring(f"Offre {i}")) for i in range(5)]
    services.mark_read(db.session, ana.id, notes[3].id)
    first = services.list_for(db.session, ana.id, limit=2)
    assert [n.id for n in first.items] == [notes[4].id, notes[3].id]
    second = services.list_for(db.session, ana.id, limit=2, cursor=first.next_cursor)
    assert [n.id for n in second.items] == [notes[2].id, notes[1].id]
    last = services.list_for(db.session, ana.id, limit=2, cursor=second.next_cursor)
    assert ([n.id for n in last.items], last.next_cursor) == ([notes[0].id], None)
    unread = services.list_for(db.session, ana.id, unread_only=True)
    assert [n.id for n in unread.items] == [notes[4].id, notes[2].id, notes[1].id, notes[0].id]
    with pytest.raises(ValidationError):
        services.list_for(db.session, ana.id, cursor="not-a-cursor")


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_has_words_in_french_and_english(app, kind):
    for locale in ("fr", "en"):
        message = messages.render(kind, PARAMS[kind], locale)
        assert message.title and message.body
        assert "%(" not in message.title + message.body
    assert set(messages.REQUIRED) == set(NotificationKind)


def test_the_words_are_those_of_the_given_language(app):
    fr = messages.render("offer_expiring", expiring(), "fr")
    en = messages.render("offer_expiring", expiring(), "en")
    assert "31 décembre 2026" in fr.body
    assert "December 31, 2026" in en.body
    changed = messages.render("order_changed", PARAMS["order_changed"], "fr")
    assert changed.title == "Commande n° 12 acceptée"


def test_an_email_links_to_the_site_when_its_address_is_known(db):
    ana = make_user(db, "ana@example.org")
    services.notify(db.session, [ana.id], "offer_expiring", expiring(), "/offres/7",
                    site_url="https://intercoop.example/")
    body = db.session.scalars(select(OutboxEmail.body)).one()
    assert "https://intercoop.example/offres/7" in body
    assert "https://intercoop.example/notifications" in body
