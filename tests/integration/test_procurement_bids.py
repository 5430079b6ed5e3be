"""Bids on a lot over HTTP: alone or for a grouping through its lead, shares that make 100 %,
the deadline, the lot's reservation, bids sealed until the deadline and then compared on
the lot's weighted criteria."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.procurement.contract_models import Bid, BidStatus
from market.procurement.models import LotCriterion
from tests.integration.bids_helpers import bid_body, close_bidding, make_world, notified
from tests.integration.db_writes import nothing_written, writes
from tests.integration.members_factories import bearer, make_user
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_grouping,
    make_lot,
    make_structure,
)

BID_WRITES = ("bids", "bid_shares", "notifications", "outbox_emails")


@pytest.fixture
def world(db):
    return make_world(db)


def post_bid(client, lot, trader, body):
    return client.post(f"/api/v1/lots/{lot.id}/bids", json=body, headers=trader.headers)


def test_a_structure_bids_alone_with_all_the_work_and_the_buyer_is_told(client, db, world):
    lot, lead = world["lot"], world["lead"]
    with writes(db, *BID_WRITES):
        response = post_bid(client, lot, lead, bid_body(summary="Équipe de 6 personnes."))
    assert response.status_code == 201, response.json
    bid = response.json
    assert bid["price"] == "55000.00" and bid["insertion_hours"] == 600
    assert bid["status"] == "submitted" and bid["grouping_id"] is None
    assert bid["shares"] == [{"member_id": lead.member.id, "name": "Jardins de l'Aunis",
                              "percent": "100.00", "work": ""}]
    told = notified(db, "bid_received", world["buyer"].user)
    assert len(told) == 1 and told[0].url == f"/lots/{lot.id}/offres"
    assert told[0].params == {"lot_title": lot.title, "bidder_name": "Jardins de l'Aunis"}
    mine = client.get("/api/v1/bids/mine", headers=lead.headers).json["items"]
    assert [b["id"] for b in mine] == [bid["id"]]
    assert client.get("/api/v1/bids/mine", headers=world["partner"].headers).json["items"] == []


def test_sending_again_before_the_deadline_replaces_the_bid_even_withdrawn(client, db, world):
    lot, lead = world["lot"], world["lead"]
    first = post_bid(client, lot, lead, bid_body()).json
    withdrawn = client.post(f"/api/v1/bids/{first['id']}/withdraw", headers=lead.headers)
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    again = post_bid(client, lot, lead, bid_body(price="51000.00", hours=700))
    assert again.status_code == 201, again.json
    assert again.json["id"] == first["id"] and again.json["status"] == "submitted"
    assert again.json["price"] == "51000.00" and again.json["insertion_hours"] == 700
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 1


def test_a_grouping_bids_through_its_lead_with_shares_of_60_and_40(client, db, world):
    lot, lead, partner = world["lot"], world["lead"], world["partner"]
    grouping = make_grouping(db, lead, [partner])
    shares = [{"member_id": lead.member.id, "percent": "60", "work": "tonte"},
              {"member_id": partner.member.id, "percent": "40", "work": "taille"}]
    with writes(db, *BID_WRITES):
        response = post_bid(client, lot, lead, bid_body(grouping_id=grouping.id,
                                                        shares=shares))
    assert response.status_code == 201, response.json
    assert response.json["grouping_id"] == grouping.id
    assert {(s["member_id"], s["percent"], s["work"]) for s in response.json["shares"]} == {
        (lead.member.id, "60.00", "tonte"), (partner.member.id, "40.00", "taille")}
    bid = db.session.get(Bid, response.json["id"])
    assert {s.member_id: s.share_bp for s in bid.shares} == {lead.member.id: 6000,
                                                             partner.member.id: 4000}


@pytest.mark.parametrize(("percents", "said"), [(("60", "39.99"), "99.99"),
                                                (("60", "40.01"), "100.01")])
def test_shares_not_making_exactly_100_are_refused_naming_their_sum(client, db, world, percents,
                                                                   said):
    lot, lead, partner = world["lot"], world["lead"], world["partner"]
    grouping = make_grouping(db, lead, [partner])
    shares = [{"member_id": lead.member.id, "percent": percents[0]},
              {"member_id": partner.member.id, "percent": percents[1]}]
    with nothing_written(db):
        response = post_bid(client, lot, lead, bid_body(grouping_id=grouping.id, shares=shares))
    assert response.status_code == 422
    assert said in response.json["error"]["details"]["fields"]["shares"][0]


def test_shares_must_name_exactly_the_grouping_s_members(client, db, world):
    lot, lead, partner, geiq = world["lot"], world["lead"], world["partner"], world["geiq"]
    grouping = make_grouping(db, lead, [partner])
    bodies = [
        bid_body(grouping_id=grouping.id),  # no shares at all
        bid_body(grouping_id=grouping.id, shares=[{"member_id": lead.member.id,
                                                   "percent": "100"}]),
        bid_body(grouping_id=grouping.id, shares=[
            {"member_id": lead.member.id, "percent": "50"},
            {"member_id": geiq.member.id, "percent": "50"}]),
        bid_body(shares=[{"member_id": lead.member.id, "percent": "50"},
                         {"member_id": partner.member.id, "percent": "50"}]),
        bid_body(grouping_id=grouping.id, shares=[
            {"member_id": lead.member.id, "percent": "50"},
            {"member_id": lead.member.id, "percent": "50"}]),
    ]
    with nothing_written(db):
        for body in bodies:
            response = post_bid(client, lot, lead, body)
            assert response.status_code == 422, (body, response.json)
            assert response.json["error"]["code"] == "validation_error"


def test_a_bid_after_the_deadline_is_refused_and_nothing_is_written(client, db, world):
    lead = world["lead"]
    late = make_lot(db, world["buyer"], title="Tonte", lot_id="LOT-0009", deadline_days=-1)
    with nothing_written(db):
        response = post_bid(client, late, lead, bid_body())
    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_state"
    assert "date limite" in response.json["error"]["message"]


def test_a_bid_cannot_be_replaced_or_withdrawn_once_the_deadline_is_past(client, db, world):
    lot, lead = world["lot"], world["lead"]
    bid = post_bid(client, lot, lead, bid_body()).json
    close_bidding(db, lot)
    with nothing_written(db):
        assert post_bid(client, lot, lead, bid_body(price="1.00")).status_code == 409
        assert client.post(f"/api/v1/bids/{bid['id']}/withdraw",
                           headers=lead.headers).status_code == 409


@pytest.mark.parametrize("kind", ["GEIQ", "none", "ESAT"])
def test_a_structure_the_siae_reservation_does_not_admit_cannot_bid(client, db, world, kind):
    other = make_structure(db, 7, f"Structure {kind}", kind)
    with nothing_written(db):
        response = post_bid(client, world["lot"], other, bid_body())
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_eligible"
    assert f"Structure {kind}" in response.json["error"]["message"]


def test_a_grouping_with_a_member_the_reservation_does_not_admit_cannot_bid(client, db, world):
    lot, lead, geiq = world["lot"], world["lead"], world["geiq"]
    grouping = make_grouping(db, lead, [geiq])
    shares = [{"member_id": lead.member.id, "percent": "50"},
              {"member_id": geiq.member.id, "percent": "50"}]
    with nothing_written(db):
        response = post_bid(client, lot, lead, bid_body(grouping_id=grouping.id, shares=shares))
    assert response.status_code == 422 and response.json["error"]["code"] == "not_eligible"
    assert "GEIQ Paysage" in response.json["error"]["message"]


def test_only_the_lead_bids_for_a_formed_grouping(client, db, world):
    lot, lead, partner, geiq = world["lot"], world["lead"], world["partner"], world["geiq"]
    grouping = make_grouping(db, lead, [partner])
    proposed = make_grouping(db, lead, [partner], name="GIE en projet", status="proposed")
    shares = [{"member_id": lead.member.id, "percent": "50"},
              {"member_id": partner.member.id, "percent": "50"}]
    with nothing_written(db):
        by_partner = post_bid(client, lot, partner, bid_body(grouping_id=grouping.id,
                                                             shares=shares))
        assert by_partner.status_code == 403, by_partner.json
        stranger = post_bid(client, lot, geiq, bid_body(grouping_id=grouping.id, shares=shares))
        assert stranger.status_code == 422  # a grouping it is not in is not found
        unformed = post_bid(client, lot, lead, bid_body(grouping_id=proposed.id, shares=shares))
        assert unformed.status_code == 422
        assert unformed.json["error"]["code"] == "not_eligible"


def test_committing_fewer_hours_than_the_lot_asks_or_a_bad_price_is_refused(client, db, world):
    lot, lead = world["lot"], world["lead"]
    bodies = [bid_body(hours=499), bid_body(price="0.00"), bid_body(price="55000"),
              bid_body(price=55000.0), bid_body(price="-1.00"), bid_body(hours=-1),
              bid_body(hours="600"), bid_body(price="9" * 30 + ".00"),
              bid_body(grouping_id=2**40), bid_body(grouping_id=2**31 - 1),
              bid_body(shares=[{"member_id": lead.member.id, "percent": "100.001"}]),
              bid_body(shares=[{"member_id": lead.member.id, "percent": 100}]),
              bid_body(summary="a\x00b"), {**bid_body(), "surprise": 1}]
    with nothing_written(db):
        for body in bodies:
            response = post_bid(client, lot, lead, body)
            assert response.status_code == 422, (body, response.json)
        for path in ("/api/v1/lots/999999/bids", f"/api/v1/lots/{2**40}/bids"):
            assert client.post(path, json=bid_body(), headers=lead.headers).status_code == 404
        assert client.post(f"/api/v1/lots/{lot.id}/bids", json=bid_body()).status_code == 401
        assert client.post(f"/api/v1/lots/{lot.id}/bids?member=abc", json=bid_body(),
                           headers=lead.headers).status_code == 422
        assert client.post(f"/api/v1/lots/{lot.id}/bids?member={world['partner'].member.id}",
                           json=bid_body(), headers=lead.headers).status_code == 403


def test_a_buyer_does_not_bid_and_a_draft_lot_is_not_found(client, db, world):
    draft = make_lot(db, world["buyer"], title="Brouillon", lot_id="LOT-0005", status="draft")
    with nothing_written(db):
        assert post_bid(client, draft, world["lead"], bid_body()).status_code == 404
        assert post_bid(client, world["lot"], world["buyer"], bid_body()).status_code == 403


def test_another_member_cannot_withdraw_a_bid(client, db, world):
    bid = post_bid(client, world["lot"], world["lead"], bid_body()).json
    with nothing_written(db):
        for headers in (world["partner"].headers, world["buyer"].headers):
            response = client.post(f"/api/v1/bids/{bid['id']}/withdraw", headers=headers)
            assert response.status_code == 404


def test_bids_stay_sealed_until_the_deadline(client, db, world):
    lot, buyer = world["lot"], world["buyer"]
    bid = make_bid(db, lot, world["lead"])
    with nothing_written(db):
        response = client.get(f"/api/v1/lots/{lot.id}/bids", headers=buyer.headers)
        assert response.status_code == 409 and response.json["error"]["code"] == "invalid_state"
        assert "55000" not in response.get_data(as_text=True)
        marked = client.patch(f"/api/v1/bids/{bid.id}", json={"quality_mark": 12},
                              headers=buyer.headers)
        assert marked.status_code == 409


def test_only_the_lot_s_buyer_compares_its_bids(client, db, world):
    lot = world["lot"]
    bid = make_bid(db, lot, world["lead"])
    close_bidding(db, lot)
    other = make_buyer(db, 9, "Ville de Niort")
    admin = bearer(db, make_user(db, "admin@example.org", [("network_admin", None)]))
    with nothing_written(db):
        for headers in (other.headers, world["lead"].headers, admin):
            assert client.get(f"/api/v1/lots/{lot.id}/bids", headers=headers).status_code == 404
            assert client.patch(f"/api/v1/bids/{bid.id}", json={"quality_mark": 12},
                                headers=headers).status_code == 404
        assert client.get(f"/api/v1/lots/{lot.id}/bids").status_code == 401


def test_the_comparison_scores_each_bid_exactly_on_the_lot_s_weighted_criteria(client, db,
                                                                               world):
    lot, buyer = world["lot"], world["buyer"]
    lot.criteria = [LotCriterion(kind="price", weight=Decimal("50"), position=0),
                    LotCriterion(kind="quality", weight=Decimal("30"), position=1),
                    LotCriterion(kind="social", weight=Decimal("20"), position=2)]
    db.session.commit()
    third = make_structure(db, 5, "Océan Propre", "EI")
    a = make_bid(db, lot, world["lead"], price_eur=50_000, hours=600)
    b = make_bid(db, lot, world["partner"], price_eur=40_000, hours=400)
    c = make_bid(db, lot, third, price_eur=80_000, hours=0)
    withdrawn = make_bid(db, lot, make_structure(db, 6, "Retirée", "AI"), price_eur=1)
    withdrawn.status = BidStatus.withdrawn
    db.session.commit()
    close_bidding(db, lot)
    for bid, mark in ((a, 15), (b, 10)):
        with writes(db, "bids"):
            response = client.patch(f"/api/v1/bids/{bid.id}", json={"quality_mark": mark},
                                    headers=buyer.headers)
        assert response.status_code == 200 and response.json["quality_mark"] == mark
    response = client.get(f"/api/v1/lots/{lot.id}/bids", headers=buyer.headers)
    assert response.status_code == 200, response.json
    found = response.json
    assert found["weights"] == [{"criterion": "price", "weight": "50.00"},
                                {"criterion": "quality", "weight": "30.00"},
                                {"criterion": "social", "weight": "20.00"}]
    # a: 50 × 40,000/50,000 + 30 × 15/20 + 20 = 82.50; b: 50 + 15 + 20 × 400/600 = 78.33;
    # c: 50 × 40,000/80,000 + 0 (no mark) + 0 = 25.00. The withdrawn bid is not compared.
    assert [(i["id"], i["rank"], i["score"]) for i in found["items"]] == [
        (a.id, 1, "82.50"), (b.id, 2, "78.33"), (c.id, 3, "25.00")]
    assert [(p["criterion"], p["points"]) for p in found["items"][1]["points"]] == [
        ("price", "50.00"), ("quality", "15.00"), ("social", "13.33")]
    unmarked = found["items"][2]["points"][1]
    assert unmarked["points"] == "0.00" and unmarked["note"]
    assert found["items"][0]["price"] == "50000.00" and found["items"][0]["shares"]


def test_a_lot_without_weighted_criteria_is_compared_on_price_60_and_quality_40(client, db,
                                                                               world):
    lot, buyer = world["lot"], world["buyer"]
    make_bid(db, lot, world["lead"], price_eur=40_000)
    make_bid(db, lot, world["partner"], price_eur=50_000)
    close_bidding(db, lot)
    found = client.get(f"/api/v1/lots/{lot.id}/bids", headers=buyer.headers).json
    assert [w["criterion"] for w in found["weights"]] == ["price", "quality"]
    assert [i["score"] for i in found["items"]] == ["60.00", "48.00"]


def test_a_quality_mark_is_0_to_20(client, db, world):
    lot, buyer = world["lot"], world["buyer"]
    bid = make_bid(db, lot, world["lead"])
    close_bidding(db, lot)
    with nothing_written(db):
        for mark in (-1, 21, "12", 12.5, None):
            response = client.patch(f"/api/v1/bids/{bid.id}", json={"quality_mark": mark},
                                    headers=buyer.headers)
            assert response.status_code == 422, mark
        assert client.patch(f"/api/v1/bids/{2**40}", json={"quality_mark": 3},
                            headers=buyer.headers).status_code == 404
