"""`flask seed-demo` builds a believable network and is idempotent."""

from sqlalchemy import func, select

from market.auth.models import User, UserRole
from market.auth.roles import Role
from market.members.models import InclusionKind, Member, Network
from market.offers.models import Offer
from market.orders.models import Order
from market.procurement.contract_models import (
    CataloguePurchase,
    Contract,
    ContractInvoice,
    HoursReport,
)
from market.procurement.models import Grouping, GroupingMember, Lot, Structure, Tender
from market.procurement.outreach_models import LotOpportunity, LotQuestion


def table_counts(db) -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Member, Network, User, UserRole, Offer, Order, Structure,
                          Grouping, GroupingMember, Tender, Lot, LotOpportunity, LotQuestion,
                          Contract, ContractInvoice, HoursReport, CataloguePurchase)}


def test_seed_demo_builds_a_network_across_four_territories(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    members = db.session.scalars(select(Member)).all()
    assert len(members) >= 30
    assert len({m.region for m in members}) >= 4
    kinds = {m.inclusion_kind for m in members}
    assert {k.value for k in InclusionKind} - {"none"} <= kinds
    gie = db.session.scalar(select(Network).where(Network.kind == "grouping"))
    assert gie is not None
    grouped = [m for m in members if gie in m.networks and m.inclusion_kind != "none"]
    assert len(grouped) >= 3
    roles = {r.role for r in db.session.scalars(select(UserRole))}
    assert roles == {r.value for r in Role}
    assert any(m.legal_form == "public_body" for m in members)
    for user in db.session.scalars(select(User)):
        assert user.email in result.output


def test_seed_demo_twice_changes_nothing(runner, db):
    import ledger

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = table_counts(db), ledger.trial_balance(db.engine)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert (table_counts(db), ledger.trial_balance(db.engine)) == before


def test_seed_demo_if_empty_leaves_an_existing_directory_alone(runner, db):
    db.session.add(Member(name="Coopérative déjà là", status="active"))
    db.session.commit()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert table_counts(db)["Member"] == 1


def test_every_demo_sector_exists_in_the_taxonomy():
    from market.demo import data as demo_data
    from market.members.taxonomy import is_sector

    codes = {code for row in demo_data.MEMBERS for code in row[6]}
    assert codes and all(is_sector(code) for code in codes), sorted(
        c for c in codes if not is_sector(c))


def test_seed_demo_opens_a_balanced_ledger_with_some_trade(runner, db):
    import ledger

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    kinds = {c["kind"] for c in ledger.list_currencies(db.engine)}
    assert kinds == {"fiat", "backed", "mutual_credit", "share"}
    trial = ledger.trial_balance(db.engine)
    assert all(total["balance"] in ("0", "0.00") for total in trial["totals"])
    touched = [row for row in trial["items"]
               if row["debits"] not in ("0", "0.00") or row["credits"] not in ("0", "0.00")]
    assert len(touched) >= 10
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_seed_demo_shows_the_marketplace_trading_through_the_ledger(runner, client, db):
    import ledger

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    kinds = {o.kind for o in db.session.scalars(select(Offer))}
    assert kinds == {"product", "service", "share"}
    # The catalogue's purchase is an order too, waiting for its supplier.
    states = sorted(o.state for o in db.session.scalars(select(Order)))
    assert states == ["accepted", "completed", "requested", "requested"]
    statuses = sorted(ledger.get_transfer(db.engine, o.transfer_id)["status"]
                      for o in db.session.scalars(select(Order)) if o.transfer_id)
    assert statuses == ["pending", "posted"]
    found = client.get("/api/v1/offers", query_string={"q": "menuiserie"}).json["items"]
    assert [o["title"] for o in found] == ["Menuiseries sur mesure en chêne local"]
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_the_directory_shows_members_per_territory_as_a_chart(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    page = client.get("/").get_data(as_text=True)
    assert 'class="bar-chart"' in page
    for region in ("Nouvelle-Aquitaine", "Euskadi", "Catalunya", "Wallonie"):
        assert f"/?region={region}" in page
    assert "/?inclusion_kind=ACI" in page


def test_seed_demo_refuses_to_run_in_production_and_writes_nothing(app, runner, db):
    from sqlalchemy import func, select

    from market.auth.models import User

    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_demo_shows_a_contested_sign_up_to_the_network_admin(runner, client, db):
    from tests.integration.members_factories import log_in

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    pending = db.session.scalars(select(Member).where(Member.status == "pending")).all()
    assert len(pending) == 2 and len({m.siret for m in pending}) == 1
    admin = db.session.scalar(select(User).where(User.email == "admin@intercoop.example"))
    log_in(client, admin)
    page = client.get("/admin/members").get_data(as_text=True)
    assert page.count("SIRET revendiqué par 2 demandes") == 2


def test_seed_demo_makes_the_gie_a_grouping_of_its_siae_that_matching_finds(runner, db):
    from market.procurement import matches

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    network = db.session.scalar(select(Network).where(Network.kind == "grouping"))
    gie = db.session.scalar(select(Member).where(Member.name == network.name))
    grouping = db.session.scalar(select(Grouping).where(Grouping.siret == gie.siret))
    assert grouping is not None and (grouping.kind, grouping.status) == ("gie", "active")
    siae = {m.id for m in db.session.scalars(select(Member)) if network in m.networks
            and m.inclusion_kind != "none"}
    assert {gm.member_id for gm in grouping.members} == siae and len(siae) >= 3
    assert {gm.status for gm in grouping.members} == {"accepted"}
    assert grouping.lead_id in siae and grouping.sectors
    # Every inclusion member has its reach and activities, and the GIE is matched.
    inclusion = {m.id for m in db.session.scalars(select(Member).where(
        Member.inclusion_kind != "none", Member.status == "active"))}
    structures = db.session.scalars(select(Structure)).all()
    assert {s.member_id for s in structures} == inclusion
    assert all(s.activities for s in structures)
    directory = matches.directory(db.session)
    assert [g.id for g in directory.groupings] == [grouping.id]


def test_seed_demo_shows_every_step_of_public_procurement(runner, client, db):
    import ledger
    from market.treasury.owners import owner_ref

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    statuses = dict(db.session.execute(select(Tender.reference, Tender.status)).all())
    assert statuses == {"2026-BAY-ESP": "awarded", "2026-BAY-NET": "published",
                        "2027-BAY-RES": "draft"}
    # The open tender went out to the structures in reach; two answered, one asked.
    told = db.session.scalars(select(LotOpportunity).where(
        LotOpportunity.notified_at.is_not(None))).all()
    assert len(told) >= 5 and {o.interest for o in told} >= {"interested", "not_interested"}
    assert db.session.scalar(select(LotQuestion.answer)) is not None
    # Bayonne keeps the structure told first among its favourites: the matches mark it.
    from market.offers.models import Favourite

    buyer_id = db.session.scalar(select(Tender.buyer_id).limit(1))
    starred = set(db.session.scalars(select(Favourite.starred_member_id).where(
        Favourite.member_id == buyer_id)))
    assert len(starred) == 1 and starred <= {o.member_id for o in told if o.rank == 1}
    # The GIE won the green spaces; its members were paid their shares in one transfer.
    contract = db.session.scalars(select(Contract)).one()
    grouping = db.session.get(Grouping, contract.grouping_id)
    assert grouping.kind == "gie"
    [invoice] = contract.invoices
    assert invoice.status == "paid" and invoice.transfer_id is not None
    transfer = ledger.get_transfer(db.engine, invoice.transfer_id)
    credited = {p["to"] for p in transfer["postings"]}
    members = {gm.member_id for gm in grouping.members}
    accounts = {a["id"] for m in members for a in ledger.list_accounts(
        db.engine, owner_ref=owner_ref(m), currency="EUR")}
    assert credited <= accounts and len(credited) == len(members)
    assert sum(int(p["amount"].replace(".", "")) for p in transfer["postings"]) == \
        invoice.amount_minor
    # Hours were reported for last month; the facilitator validated one report.
    assert sorted(r.status for r in db.session.scalars(select(HoursReport))) == [
        "submitted", "validated"]
    assert db.session.scalar(select(func.count()).select_from(CataloguePurchase)) == 1
