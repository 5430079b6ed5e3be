"""Groupings over HTTP: proposed with invitations, answered, completed by the lead, dissolved;
who may see and change them, and bad input refused without a write."""

import pytest
from sqlalchemy import select

from market.auth.roles import Role
from market.members.models import Member, MemberStatus
from market.notifications.models import Notification
from market.procurement import matches
from market.procurement.models import Grouping, TenderStatus
from tests.integration.db_writes import nothing_written
from tests.integration.members_factories import bearer, make_member, make_user, valid_siret
from tests.integration.procurement_factories import (
    GREEN,
    make_buyer,
    make_grouping,
    make_lot,
    make_structure,
)

BASE = "/api/v1/groupings"
GIE_SIRET = valid_siret(900)


@pytest.fixture
def world(db):
    """Three structures around La Rochelle (A leads), a fourth one outside, a buyer."""
    return {"a": make_structure(db, 1, "Jardins de l'Aunis"),
            "b": make_structure(db, 2, "Terres de Ré", "EI"),
            "c": make_structure(db, 3, "Côte Emplois", "AI"),
            "d": make_structure(db, 4, "Étranger au groupement", "EI"),
            "buyer": make_buyer(db, 5)}


def network_admin(db) -> dict:
    return bearer(db, make_user(db, "admin@reseau.example", [(Role.network_admin, None)]))


def body(world, **fields) -> dict:
    return {"name": "Groupement Vert", "kind": "joint", "sectors": [GREEN],
            "members": [world["b"].member.id, world["c"].member.id], **fields}


def propose(client, world, who="a", **fields):
    return client.post(BASE, json=body(world, **fields), headers=world[who].headers)


def proposed(client, world, who="a", **fields) -> dict:
    response = propose(client, world, who, **fields)
    assert response.status_code == 201, response.json
    return response.json


def act(client, world, who: str, grouping: dict, action: str, **json):
    return client.post(f"{BASE}/{grouping['id']}/{action}", json=json or None,
                       headers=world[who].headers)


def statuses(grouping: dict) -> dict[str, str]:
    return {m["name"]: m["status"] for m in grouping["members"]}


def notes(db, trader, kind: str) -> list[Notification]:
    return db.session.scalars(select(Notification).where(
        Notification.user_id == trader.user.id, Notification.kind == kind)).all()


def test_a_proposal_invites_the_others_and_tells_them(client, db, world):
    grouping = proposed(client, world)
    assert grouping["status"] == "proposed" and grouping["lead"]["id"] == world["a"].member.id
    assert statuses(grouping) == {"Jardins de l'Aunis": "accepted", "Terres de Ré": "invited",
                                  "Côte Emplois": "invited"}
    assert grouping["sectors"] == [GREEN] and grouping["siret"] is None
    for who in ("b", "c"):
        [note] = notes(db, world[who], "grouping_invitation")
        assert note.params == {"grouping_name": "Groupement Vert",
                               "lead_name": "Jardins de l'Aunis"}
        assert note.url == f"/groupements/{grouping['id']}"
    assert notes(db, world["a"], "grouping_invitation") == []


def test_the_grouping_is_formed_once_every_member_accepted(client, db, world):
    grouping = proposed(client, world)
    first = act(client, world, "b", grouping, "accept")
    assert first.status_code == 200 and first.json["status"] == "proposed"
    last = act(client, world, "c", grouping, "accept").json
    assert last["status"] == "active" and set(statuses(last).values()) == {"accepted"}
    told = notes(db, world["a"], "grouping_changed")
    assert sorted(n.params["member_name"] for n in told) == ["Côte Emplois", "Terres de Ré"]
    assert {n.params["status"] for n in told} == {"accepted"}
    assert told[0].params["grouping_name"] == "Groupement Vert"
    # Formed, it is one of the directory's persistent groupings.
    assert [g.id for g in matches.directory(db.session).groupings] == [last["id"]]


def test_a_decline_leaves_the_grouping_proposed_and_is_listed(client, db, world):
    grouping = proposed(client, world)
    act(client, world, "b", grouping, "accept")
    declined = act(client, world, "c", grouping, "decline")
    assert declined.status_code == 200
    assert declined.json["status"] == "proposed"
    assert statuses(declined.json)["Côte Emplois"] == "declined"
    [note] = notes(db, world["a"], "grouping_changed")[-1:]
    assert note.params["status"] == "declined"
    assert list(matches.directory(db.session).groupings) == []


def test_removing_a_declined_member_forms_the_grouping(client, db, world):
    grouping = proposed(client, world)
    act(client, world, "b", grouping, "accept")
    act(client, world, "c", grouping, "decline")
    path = f"members/{world['c'].member.id}/remove"
    response = act(client, world, "a", grouping, path)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "active"
    assert statuses(response.json) == {"Jardins de l'Aunis": "accepted",
                                       "Terres de Ré": "accepted"}


def test_the_lead_invites_another_after_a_decline(client, db, world):
    grouping = proposed(client, world)
    act(client, world, "c", grouping, "decline")
    invited = act(client, world, "a", grouping, "invite", member_id=world["d"].member.id)
    assert invited.status_code == 200, invited.json
    assert statuses(invited.json)["Étranger au groupement"] == "invited"
    assert len(notes(db, world["d"], "grouping_invitation")) == 1
    again = act(client, world, "a", grouping, "invite", member_id=world["d"].member.id)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    # Still declined: not formed even once the others accept.
    act(client, world, "b", grouping, "accept")
    assert act(client, world, "d", grouping, "accept").json["status"] == "proposed"


def test_a_formed_grouping_stays_formed_while_a_newcomer_is_invited(client, db, world):
    grouping = make_grouping(db, world["a"], [world["b"]])
    data = {"id": grouping.id}
    invited = act(client, world, "a", data, "invite", member_id=world["c"].member.id)
    assert invited.json["status"] == "active"
    assert [g.member_ids for g in matches.directory(db.session).groupings] == [
        (world["a"].member.id, world["b"].member.id)]
    act(client, world, "c", data, "accept")
    assert len(matches.directory(db.session).groupings[0].member_ids) == 3


def test_only_the_lead_invites_or_removes(client, db, world):
    grouping = proposed(client, world)
    with nothing_written(db):
        invite = act(client, world, "b", grouping, "invite", member_id=world["d"].member.id)
        remove = act(client, world, "b", grouping, f"members/{world['c'].member.id}/remove")
        stranger = act(client, world, "d", grouping, "invite", member_id=world["d"].member.id)
    assert invite.status_code == remove.status_code == 403
    assert stranger.status_code == 404


def test_the_lead_and_an_accepted_member_are_not_removed(client, db, world):
    grouping = proposed(client, world)
    act(client, world, "b", grouping, "accept")
    with nothing_written(db):
        lead = act(client, world, "a", grouping, f"members/{world['a'].member.id}/remove")
        accepted = act(client, world, "a", grouping, f"members/{world['b'].member.id}/remove")
        missing = act(client, world, "a", grouping, f"members/{world['d'].member.id}/remove")
    assert lead.status_code == accepted.status_code == 409
    assert missing.status_code == 404


@pytest.mark.parametrize("second", ["accept", "decline"])
def test_answering_twice_is_refused(client, db, world, second):
    grouping = proposed(client, world)
    assert act(client, world, "b", grouping, "accept").status_code == 200
    with nothing_written(db):
        response = act(client, world, "b", grouping, second)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_state"


def test_a_lead_who_is_not_a_member_is_refused_and_nothing_written(client, db, world):
    with nothing_written(db):
        response = propose(client, world, lead_id=world["d"].member.id)
    assert response.status_code == 422
    assert "lead_id" in response.json["error"]["details"]["fields"]
    assert "mandataire" in response.json["error"]["details"]["fields"]["lead_id"][0]


def test_another_member_may_be_named_lead_and_accepts_like_the_others(client, db, world):
    grouping = proposed(client, world, lead_id=world["b"].member.id)
    assert grouping["lead"]["id"] == world["b"].member.id
    assert statuses(grouping)["Terres de Ré"] == "invited"
    assert statuses(grouping)["Jardins de l'Aunis"] == "accepted"
    act(client, world, "b", grouping, "accept")
    assert act(client, world, "c", grouping, "accept").json["status"] == "active"


def test_a_gie_needs_its_own_valid_siret(client, db, world):
    with nothing_written(db):
        missing = propose(client, world, kind="gie")
        wrong = propose(client, world, kind="gie", siret=GIE_SIRET[:-1] + "0"
                        if GIE_SIRET[-1] != "0" else GIE_SIRET[:-1] + "1")
    assert missing.status_code == wrong.status_code == 422
    assert "siret" in missing.json["error"]["details"]["fields"]
    assert "siret" in wrong.json["error"]["details"]["fields"]
    made = proposed(client, world, kind="gie", siret=GIE_SIRET)
    assert made["siret"] == GIE_SIRET and made["kind"] == "gie"


@pytest.mark.parametrize("kind", ["joint", "joint_and_several"])
def test_a_temporary_grouping_has_no_siret(client, db, world, kind):
    with nothing_written(db):
        response = propose(client, world, kind=kind, siret=GIE_SIRET)
    assert response.status_code == 422
    assert "siret" in response.json["error"]["details"]["fields"]


def test_two_gie_do_not_share_a_siret(client, db, world):
    proposed(client, world, kind="gie", siret=GIE_SIRET)
    with nothing_written(db):
        response = propose(client, world, "d", kind="gie", siret=GIE_SIRET, name="Autre GIE")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


@pytest.mark.parametrize("status", [MemberStatus.suspended, MemberStatus.pending])
def test_an_inactive_member_is_not_invited(client, db, world, status):
    asleep = make_member(db, name="Structure en sommeil", n=77, status=status,
                         inclusion_kind="ACI")
    with nothing_written(db):
        response = propose(client, world, members=[world["b"].member.id, asleep.id])
    assert response.status_code == 422
    assert "members" in response.json["error"]["details"]["fields"]


def test_a_stranger_cannot_answer_someone_elses_invitation(client, db, world):
    grouping = proposed(client, world)
    with nothing_written(db):
        stranger = act(client, world, "d", grouping, "accept")
        other_member = client.post(f"{BASE}/{grouping['id']}/accept",
                                   query_string={"member": world["c"].member.id},
                                   headers=world["b"].headers)
        missing = client.post(f"{BASE}/999999/accept", headers=world["b"].headers)
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json["error"]["message"] == missing.json["error"]["message"]
    assert other_member.status_code == 403


def test_a_suspended_member_cannot_accept(client, db, world):
    grouping = proposed(client, world)
    db.session.get(Member, world["b"].member.id).status = MemberStatus.suspended
    db.session.commit()
    with nothing_written(db):
        response = act(client, world, "b", grouping, "accept")
    assert response.status_code == 403
    # It still reads the grouping it is invited to.
    assert client.get(f"{BASE}/{grouping['id']}", headers=world["b"].headers).status_code == 200


def test_only_the_lead_or_a_network_admin_dissolves(client, db, world):
    grouping = proposed(client, world)
    with nothing_written(db):
        member = act(client, world, "b", grouping, "dissolve")
        stranger = act(client, world, "d", grouping, "dissolve")
    assert member.status_code == 403 and stranger.status_code == 404
    done = act(client, world, "a", grouping, "dissolve")
    assert done.status_code == 200 and done.json["status"] == "dissolved"
    other = proposed(client, world, name="Autre")
    by_admin = client.post(f"{BASE}/{other['id']}/dissolve", headers=network_admin(db))
    assert by_admin.status_code == 200 and by_admin.json["status"] == "dissolved"


def test_a_dissolved_grouping_is_not_matched_and_does_not_change(client, db, world):
    grouping = make_grouping(db, world["a"], [world["b"]])
    data = {"id": grouping.id}
    assert [g.id for g in matches.directory(db.session).groupings] == [grouping.id]
    assert act(client, world, "a", data, "dissolve").status_code == 200
    assert list(matches.directory(db.session).groupings) == []
    with nothing_written(db):
        answers = [act(client, world, "a", data, "dissolve"),
                   act(client, world, "a", data, "invite", member_id=world["c"].member.id),
                   act(client, world, "a", data, f"members/{world['b'].member.id}/remove")]
    assert [r.status_code for r in answers] == [409, 409, 409]
    assert {r.json["error"]["code"] for r in answers} == {"invalid_state"}


def test_a_dissolved_invitation_cannot_be_answered(client, db, world):
    grouping = proposed(client, world)
    act(client, world, "a", grouping, "dissolve")
    with nothing_written(db):
        response = act(client, world, "b", grouping, "accept")
    assert response.status_code == 409


def test_a_proposed_grouping_is_seen_by_its_members_only(client, db, world):
    grouping = proposed(client, world)
    act(client, world, "c", grouping, "decline")
    path = f"{BASE}/{grouping['id']}"
    for who in ("a", "b", "c"):
        assert client.get(path, headers=world[who].headers).status_code == 200
    for who in ("d", "buyer"):
        response = client.get(path, headers=world[who].headers)
        assert response.status_code == 404
    assert client.get(path, headers=network_admin(db)).status_code == 200
    assert client.get(path).status_code == 401


def test_a_formed_grouping_is_seen_by_everyone_signed_in_until_dissolved(client, db, world):
    grouping = make_grouping(db, world["a"], [world["b"]], kind="gie")
    path = f"{BASE}/{grouping.id}"
    shown = client.get(path, headers=world["buyer"].headers)
    assert shown.status_code == 200
    assert [m["lead"] for m in shown.json["members"]] == [True, False]
    act(client, world, "a", {"id": grouping.id}, "dissolve")
    assert client.get(path, headers=world["buyer"].headers).status_code == 404
    assert client.get(path, headers=world["b"].headers).status_code == 200


def test_a_member_lists_its_groupings_page_by_page(client, db, world):
    first = proposed(client, world)
    second = proposed(client, world, name="Second")
    proposed(client, world, "d", members=[world["a"].member.id], name="Sans B")
    page = client.get(BASE, query_string={"limit": 1}, headers=world["b"].headers).json
    assert [g["id"] for g in page["items"]] == [first["id"]] and page["next_cursor"]
    rest = client.get(BASE, query_string={"limit": 1, "cursor": page["next_cursor"]},
                      headers=world["b"].headers).json
    assert [g["id"] for g in rest["items"]] == [second["id"]] and rest["next_cursor"] is None
    other = client.get(BASE, query_string={"member": world["d"].member.id},
                       headers=world["b"].headers)
    assert other.status_code == 403
    assert len(client.get(BASE, headers=network_admin(db)).json["items"]) == 3
    assert client.get(BASE, headers=world["buyer"].headers).json["items"] == []


def test_a_network_admin_founds_a_gie_for_any_lead(client, db, world):
    admin = network_admin(db)
    members = [world["a"].member.id, world["b"].member.id]
    response = client.post(BASE, json={**body(world, kind="gie", siret=GIE_SIRET,
                                              members=members),
                                       "lead_id": world["a"].member.id}, headers=admin)
    assert response.status_code == 201, response.json
    assert statuses(response.json) == {"Jardins de l'Aunis": "accepted",
                                       "Terres de Ré": "invited"}
    with nothing_written(db):
        temporary = client.post(BASE, json={**body(world, members=members),
                                            "lead_id": world["a"].member.id}, headers=admin)
        no_lead = client.post(BASE, json=body(world, kind="gie", siret=valid_siret(901),
                                               members=members), headers=admin)
    assert temporary.status_code == 403
    assert no_lead.status_code == 422


def test_a_grouping_proposed_for_a_lot_names_it(client, db, world):
    lot = make_lot(db, world["buyer"])
    grouping = proposed(client, world, lot_id=lot.id)
    assert grouping["lot"] == {"id": lot.id, "tender_id": lot.tender_id, "title": lot.title}
    draft = make_lot(db, world["buyer"], status=TenderStatus.draft, title="Brouillon")
    with nothing_written(db):
        response = propose(client, world, lot_id=draft.id)
    assert response.status_code == 422
    assert "lot_id" in response.json["error"]["details"]["fields"]


def test_a_member_that_answers_no_tenders_proposes_no_grouping(client, db, world):
    shop = make_member(db, name="Épicerie", n=60)
    user = make_user(db, "epicerie@example.org", [(Role.member_admin, shop.id)])
    headers = bearer(db, user)
    with nothing_written(db):
        response = client.post(BASE, json=body(world), headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_eligible"


@pytest.mark.parametrize("fields", [
    {"members": []},
    {"members": ["2"]},
    {"members": [2.5]},
    {"members": [2**31]},
    {"members": [999_999]},
    {"members": list(range(1000, 1024))},
    {"name": "   "},
    {"name": "x" * 201},
    {"name": "nul\x00"},
    {"kind": "cartel"},
    {"sectors": ["nowhere.sector"]},
    {"lot_id": 2**31},
    {"lot_id": 999_999},
    {"lead_id": "1"},
    {"siret": "1" * 40},
    {"unknown": True},
])
def test_bad_input_is_refused_and_writes_nothing(client, db, world, fields):
    with nothing_written(db):
        response = propose(client, world, **fields)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"


def test_members_named_twice_or_the_lead_again_are_refused(client, db, world):
    b = world["b"].member.id
    with nothing_written(db):
        twice = propose(client, world, members=[b, b])
        lead = propose(client, world, members=[b, world["a"].member.id])
    assert twice.status_code == lead.status_code == 422
    assert "members" in twice.json["error"]["details"]["fields"]
    assert "deux fois" in lead.json["error"]["details"]["fields"]["members"][0]


def test_a_grouping_counts_23_members_at_most(client, db, world):
    others = [make_member(db, name=f"SIAE {n}", n=200 + n, inclusion_kind="ACI").id
              for n in range(23)]
    with nothing_written(db):
        response = propose(client, world, members=others)
    assert response.status_code == 422
    made = proposed(client, world, members=others[:22])
    assert len(made["members"]) == 23


def test_an_unknown_grouping_or_a_huge_id_is_not_found(client, db, world):
    with nothing_written(db):
        for path in (f"{BASE}/999999", f"{BASE}/{2**31}", f"{BASE}/{2**40}/accept"):
            method = client.post if path.endswith("accept") else client.get
            assert method(path, headers=world["a"].headers).status_code == 404
        assert client.get(BASE, query_string={"member": "x"},
                          headers=world["a"].headers).status_code == 422
    assert db.session.scalar(select(Grouping.id)) is None
