"""`flask offers expire`: offers past their end expire, those ending within 7 days and 1 day
remind their member once each, renewal starts over; twice, or twice at once, changes
nothing more."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from market.notifications.models import Notification
from market.offers import expiry
from market.offers.models import Offer, OfferStatus
from market.platform.time import now_utc
from tests.integration.auth_helpers import CSRF_INPUT
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import log_in
from tests.integration.offers_factories import make_offer, make_trader


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


def ending(db, trader, title: str, delta: timedelta | None, status="published") -> Offer:
    """A published offer of ``trader`` ending ``delta`` from now, then given ``status``."""
    offer = make_offer(db, trader, title=title)
    offer.valid_until = None if delta is None else now_utc() + delta
    offer.status = status
    db.session.commit()
    return offer


def reminders(db) -> list[tuple[str, int]]:
    db.session.expire_all()
    return sorted((n.params["offer_title"], n.params["days"]) for n in db.session.scalars(
        select(Notification).where(Notification.kind == "offer_expiring")))


@pytest.fixture
def offers(db, seller) -> dict:
    return {
        "past": ending(db, seller, "Passée", timedelta(hours=-1)),
        "paused past": ending(db, seller, "En pause passée", timedelta(days=-3), "paused"),
        "draft past": ending(db, seller, "Brouillon passé", timedelta(days=-3), "draft"),
        "in 5 days": ending(db, seller, "Dans cinq jours", timedelta(days=5)),
        "in 12 hours": ending(db, seller, "Dans douze heures", timedelta(hours=12)),
        "in 20 days": ending(db, seller, "Dans vingt jours", timedelta(days=20)),
        "no end": ending(db, seller, "Sans fin", None),
    }


def statuses(db, offers) -> dict[str, str]:
    db.session.expire_all()
    return {key: db.session.get(Offer, o.id).status for key, o in offers.items()}


def test_the_job_expires_what_ended_and_reminds_what_ends_soon_once(runner, db, seller,
                                                                    offers):
    result = runner.invoke(args=["offers", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("offers: 2 expired, 1 reminded 7 day(s) ahead, "
                                     "1 reminded 1 day(s) ahead")
    assert statuses(db, offers) == {
        "past": "expired", "paused past": "expired", "draft past": "draft",
        "in 5 days": "published", "in 12 hours": "published", "in 20 days": "published",
        "no end": "published"}
    # The one-day reminder came first: the seven-day one is not sent after it.
    assert reminders(db) == [("Dans cinq jours", 7), ("Dans douze heures", 1)]
    note = db.session.scalar(select(Notification).where(Notification.kind == "offer_expiring"))
    assert note.user_id == seller.user.id and note.url.endswith("#prolonger")
    assert note.params["expires_on"] == offers["in 5 days"].valid_until.date().isoformat() \
        or note.params["expires_on"] == offers["in 12 hours"].valid_until.date().isoformat()
    with nothing_written(db):
        again = runner.invoke(args=["offers", "expire"])
    assert again.output.strip() == ("offers: 0 expired, 0 reminded 7 day(s) ahead, "
                                    "0 reminded 1 day(s) ahead")


def test_an_offer_reminded_a_week_ahead_is_reminded_again_the_day_before(db, seller):
    offer = ending(db, seller, "Bientôt", timedelta(days=3))
    expiry.run(db.session)
    assert reminders(db) == [("Bientôt", 7)]
    later = now_utc() + timedelta(days=2, hours=12)
    expiry.run(db.session, now=later)
    expiry.run(db.session, now=later + timedelta(hours=1))
    assert reminders(db) == [("Bientôt", 1), ("Bientôt", 7)]
    report = expiry.run(db.session, now=later + timedelta(days=1))
    assert report.expired == 1 and db.session.get(Offer, offer.id).status == "expired"


def test_renewing_pushes_the_end_and_lets_the_reminders_come_again(client, db, seller):
    offer = ending(db, seller, "Bientôt", timedelta(days=3))
    expiry.run(db.session)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).reminded_7_at is not None
    log_in(client, seller.user)
    token = CSRF_INPUT.search(client.get("/mes-besoins").get_data(as_text=True)).group(1)
    with writes(db, "offers"):
        response = client.post(f"/offres/{offer.id}/prolonger", data={"csrf_token": token})
    assert response.status_code == 302
    renewed = db.session.get(Offer, offer.id)
    assert renewed.valid_until > now_utc() + timedelta(days=29)
    assert renewed.reminded_7_at is None and renewed.reminded_1_at is None
    expiry.run(db.session, now=renewed.valid_until - timedelta(days=6))
    assert reminders(db) == [("Bientôt", 7), ("Bientôt", 7)]


def test_an_expired_offer_is_renewed_from_its_page_and_published_again(app, client, db,
                                                                       seller):
    offer = ending(db, seller, "Passée", timedelta(hours=-1))
    expiry.run(db.session)
    log_in(client, seller.user)
    page = client.get(f"/offres/{offer.id}").get_data(as_text=True)
    assert 'id="prolonger"' in page and f'action="/offres/{offer.id}/prolonger"' in page
    token = CSRF_INPUT.search(page).group(1)
    client.post(f"/offres/{offer.id}/prolonger", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == OfferStatus.published


def test_only_the_seller_renews(client, db, seller, offers):
    other = make_trader(db, 2, "Jardins de l'Adour")
    log_in(client, other.user)
    token = CSRF_INPUT.search(client.get("/mes-besoins").get_data(as_text=True)).group(1)
    with nothing_written(db):
        response = client.post(f"/offres/{offers['in 5 days'].id}/prolonger",
                               data={"csrf_token": token})
    assert response.status_code == 404
    with nothing_written(db):
        refused = client.post(f"/offres/{offers['draft past'].id}/prolonger",
                              data={"csrf_token": token})
    assert refused.status_code == 404


@pytest.mark.postgresql_only
def test_two_runs_at_once_expire_and_remind_each_offer_once(app, db, seller):
    for n in range(30):
        ending(db, seller, f"Passée {n}", timedelta(hours=-1))
        ending(db, seller, f"Bientôt {n}", timedelta(days=4))
    reports, start = [], threading.Barrier(2)

    def run():
        with app.app_context():
            start.wait()
            reports.append(expiry.run(db.session, limit=7))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.expired for r in reports) == 30
    assert sum(r.reminded[7] for r in reports) == 30
    assert len(reminders(db)) == 30
