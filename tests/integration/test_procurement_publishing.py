"""Publishing a tender tells the structures that match its lots: ranked once, then notified
in daily batches, best first, until enough are interested or the deadline passes; the
`flask procurement notify` and `close-due` jobs say what they did."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from market.notifications.models import Notification
from market.platform.time import now_utc
from market.procurement import matches, publishing
from market.procurement.models import Lot, Tender, TenderStatus
from market.procurement.outreach_models import LotOpportunity, ProcurementSettings
from tests.integration.db_writes import nothing_written
from tests.integration.procurement_factories import (
    make_buyer,
    make_grouping,
    make_lot,
    make_structure,
)

#: Strasbourg: far out of an 80 km radius around La Rochelle.
STRASBOURG = (48.58, 7.75)
ELIGIBLE = {1: ("Jardins de l'Aunis", "ACI"), 2: ("Terres de Ré", "EI"),
            3: ("Chantier Vert", "ACI"), 4: ("Pousses d'Oléron", "AI"),
            5: ("Haies du Marais", "EI")}


@pytest.fixture
def world(client, db):
    """Five eligible structures, one too far away, a GEIQ the reserved lot does not admit,
    and a buyer's draft tender with one lot reserved to SIAE in La Rochelle."""
    db.session.add(ProcurementSettings(id=1, batch_size=2, enough_interested=2))
    db.session.commit()
    eligible = {n: make_structure(db, n, name, kind) for n, (name, kind) in ELIGIBLE.items()}
    far = make_structure(db, 6, "Jardins d'Alsace", place=STRASBOURG, radius_km=50)
    geiq = make_structure(db, 7, "GEIQ Paysage", "GEIQ")
    buyer = make_buyer(db, 20)
    tender = client.post("/api/v1/tenders", headers=buyer.headers, json={
        "title": "Espaces verts", "deadline": (now_utc() + timedelta(days=30)).isoformat()}).json
    lot = client.post(f"/api/v1/tenders/{tender['id']}/lots", headers=buyer.headers, json={
        "title": "Tonte des parcs", "cpv": ["77310000"], "estimated_value": "60000.00",
        "reservation": "siae", "place": {"postcode": "17000", "city": "La Rochelle"}}).json
    return {"eligible": eligible, "far": far, "geiq": geiq, "buyer": buyer,
            "tender": tender, "lot": lot}


def publish(client, world) -> dict:
    response = client.post(f"/api/v1/tenders/{world['tender']['id']}/publish",
                           headers=world["buyer"].headers)
    assert response.status_code == 200, response.json
    return response.json


def opportunities(db, lot_id: int) -> list[LotOpportunity]:
    db.session.expire_all()
    return list(db.session.scalars(select(LotOpportunity).where(LotOpportunity.lot_id == lot_id)
                                   .order_by(LotOpportunity.rank)))


def told(db, trader) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == trader.user.id, Notification.kind == "lot_opportunity")))


def test_publishing_ranks_every_matched_structure_once_and_leaves_out_the_others(client, db,
                                                                                 world):
    publish(client, world)
    rows = opportunities(db, world["lot"]["id"])
    members = [row.member_id for row in rows]
    assert set(members) == {t.member.id for t in world["eligible"].values()}
    assert len(members) == len(set(members))  # one row per structure, grouped or not
    assert world["far"].member.id not in members and world["geiq"].member.id not in members
    assert [row.rank for row in rows] == list(range(1, len(rows) + 1))
    assert [row.score for row in rows] == sorted((row.score for row in rows), reverse=True)
    assert all(0 < row.score <= 100 for row in rows)


def test_the_members_of_a_grouping_are_ranked_at_their_best_answer(client, db, world):
    first, second = world["eligible"][1], world["eligible"][2]
    grouping = make_grouping(db, first, [second])
    publish(client, world)
    lot = db.session.get(Lot, world["lot"]["id"])
    found = matches.lot_matches(db.session, lot)
    persistent = [m for m in found.groupings if m.grouping_id == grouping.id]
    assert persistent, "the persistent grouping answers the lot"
    rows = {row.member_id: row for row in opportunities(db, lot.id)}
    for member_id in persistent[0].structure_ids:
        best = max(m.score for m in (*found.structures, *found.groupings)
                   if member_id in m.structure_ids)
        assert rows[member_id].score == round(best)


def test_the_first_batch_notifies_batch_size_structures_best_first(client, db, world):
    publish(client, world)
    rows = opportunities(db, world["lot"]["id"])
    assert [row.batch for row in rows] == [1, 1, None, None, None]
    assert all(row.notified_at is not None for row in rows[:2])
    by_member = {t.member.id: t for t in world["eligible"].values()}
    for row in rows:
        notes = told(db, by_member[row.member_id])
        assert len(notes) == (1 if row.batch else 0)
    note = told(db, by_member[rows[0].member_id])[0]
    assert note.url == f"/opportunites/{world['lot']['id']}"
    assert note.params["lot_title"] == "Tonte des parcs"
    assert note.params["buyer_name"] == world["buyer"].member.name
    deadline = datetime.fromisoformat(world["tender"]["deadline"])
    assert note.params["deadline"] == deadline.astimezone(publishing.PARIS).date().isoformat()


def test_a_second_run_the_same_day_sends_nothing(client, db, world):
    publish(client, world)
    with nothing_written(db):
        sent = publishing.send_batches(db.session, now_utc() + timedelta(hours=23))
        db.session.commit()
    assert (sent.lots, sent.structures) == (0, 0)


def test_a_day_later_the_next_batch_goes_out_then_the_rest(client, db, world):
    publish(client, world)
    later = now_utc() + timedelta(hours=25)
    sent = publishing.send_batches(db.session, later)
    db.session.commit()
    assert (sent.lots, sent.structures) == (1, 2)
    assert [row.batch for row in opportunities(db, world["lot"]["id"])] == [1, 1, 2, 2, None]
    again = publishing.send_batches(db.session, later)
    assert again.structures == 0
    last = publishing.send_batches(db.session, later + timedelta(hours=25))
    db.session.commit()
    assert last.structures == 1
    assert [row.batch for row in opportunities(db, world["lot"]["id"])] == [1, 1, 2, 2, 3]
    assert publishing.send_batches(db.session, later + timedelta(days=3)).structures == 0


def test_no_batch_once_enough_structures_said_they_are_interested(client, db, world):
    publish(client, world)
    first, second = opportunities(db, world["lot"]["id"])[:2]
    first.interest = "interested"
    db.session.commit()
    later = now_utc() + timedelta(hours=25)
    assert publishing.send_batches(db.session, later).structures == 2  # one is not enough
    db.session.rollback()
    second.interest = "as_grouping"
    db.session.commit()
    with nothing_written(db):
        assert publishing.send_batches(db.session, later).structures == 0


def test_no_batch_past_the_deadline_nor_for_a_cancelled_tender(client, db, world):
    publish(client, world)
    with nothing_written(db):
        assert publishing.send_batches(db.session, now_utc() + timedelta(days=31)).lots == 0
    cancelled = client.post(f"/api/v1/tenders/{world['tender']['id']}/cancel",
                            headers=world["buyer"].headers)
    assert cancelled.status_code == 200
    with nothing_written(db):
        assert publishing.send_batches(db.session, now_utc() + timedelta(days=2)).lots == 0


def test_publishing_again_never_writes_a_structure_twice(client, db, world):
    publish(client, world)
    tender = db.session.get(Tender, world["tender"]["id"])
    assert publishing.open_lots(db.session, tender) == 0
    db.session.rollback()


def test_the_notify_command_sends_the_due_batches_and_says_so(client, db, runner, world):
    publish(client, world)
    result = runner.invoke(args=["procurement", "notify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "procurement: 0 structure(s) notified for 0 lot(s)"
    for row in opportunities(db, world["lot"]["id"]):
        if row.notified_at is not None:
            row.notified_at -= timedelta(hours=25)
    db.session.commit()
    result = runner.invoke(args=["procurement", "notify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "procurement: 2 structure(s) notified for 1 lot(s)"


def test_the_close_due_command_closes_published_tenders_past_their_deadline(db, runner, world):
    buyer = world["buyer"]
    due = make_lot(db, buyer, deadline_days=-1)
    running = make_lot(db, buyer, title="Taille des haies", deadline_days=5)
    result = runner.invoke(args=["procurement", "close-due"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"procurement: 1 tender(s) closed: {due.tender_id}"
    db.session.expire_all()
    assert db.session.get(Tender, due.tender_id).status == TenderStatus.closed
    assert db.session.get(Lot, due.id).status == TenderStatus.closed
    assert db.session.get(Tender, running.tender_id).status == TenderStatus.published
    again = runner.invoke(args=["procurement", "close-due"])
    assert again.output.strip() == "procurement: 0 tender(s) closed"
