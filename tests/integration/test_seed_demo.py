"""`flask seed-demo` builds a believable network and is idempotent."""

from sqlalchemy import func, select

from market.auth.models import User, UserRole
from market.auth.roles import Role
from market.currencies.clearing_models import ClearingAgreement
from market.currencies.models import CurrencyPolicy
from market.currencies.programme_models import DonationRule, Programme, ProgrammeRecipient
from market.currencies.share_models import CooperativeCapital, ShareEvent, ShareRequest
from market.members.models import InclusionKind, Member, Network
from market.offers.models import Offer
from market.orders.models import Order
from market.payments.models import StripeEvent, TopUp
from market.payments.redemption_models import Redemption
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
                          Contract, ContractInvoice, HoursReport, CataloguePurchase,
                          CurrencyPolicy, CooperativeCapital, ShareEvent, ShareRequest,
                          ClearingAgreement, Programme, ProgrammeRecipient, DonationRule,
                          Redemption, TopUp, StripeEvent)}


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


def demo_transfers(db) -> list[dict]:
    import ledger

    found, cursor = [], None
    while True:
        page = ledger.list_transfers(db.engine, limit=500, cursor=cursor)
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_seed_demo_shows_cooperative_shares_through_the_register(runner, db):
    from market.currencies import shares

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    gie = db.session.scalar(select(Member).where(Member.name == "GIE Insertion Pays Basque"))
    register = shares.register(db.session, gie.id)
    holders = register["holders"]
    assert len(holders) == 3 and all(h["units"] > 0 for h in holders)
    # One paid a quarter; the call on its uncalled part was partly paid.
    [partial] = [h for h in holders if h["called"] or h["uncalled"]]
    assert partial["called"] > 0 and partial["paid"] < partial["units"] * \
        register["capital"].nominal_minor
    kinds = [e.kind for e in register["events"]]
    assert kinds.count("subscription") == 3 and "call" in kinds and "payment" in kinds
    [request] = db.session.scalars(select(ShareRequest)).all()
    assert (request.kind, request.status) == ("withdrawal", "requested")
    # The shares live in the cooperative's share currency, no longer in raw PARTS-GIE moves.
    assert db.session.get(CurrencyPolicy, "PARTS-GIE") is None


def test_seed_demo_clears_a_payment_between_two_networks(runner, db):
    import ledger
    from market.currencies import clearing

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    [agreement] = db.session.scalars(select(ClearingAgreement)).all()
    assert {agreement.currency_a, agreement.currency_b} == {"EUSKO", "ECOSOL"}
    [position] = clearing.positions(db.session)
    assert {side["balance"] for side in position["sides"]} == {"240.00", "-240.00"}
    paid = [t for t in demo_transfers(db)
            if (t.get("metadata") or {}).get("clearing_agreement") == agreement.id]
    assert len(paid) == 1 and paid[0]["status"] == "posted"
    assert ledger.get_account(db.engine, agreement.account_b_id)["currency"] == "ECOSOL"


def test_seed_demo_issues_a_programme_and_pays_with_a_fee_and_a_donation(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    eusko = db.session.scalars(select(Programme).where(Programme.currency == "EUSKO")).one()
    recipients = db.session.scalar(select(func.count()).select_from(ProgrammeRecipient).where(
        ProgrammeRecipient.programme_id == eusko.id))
    transfers = demo_transfers(db)
    issued = [t for t in transfers
              if (t.get("reference") or "").startswith(f"programme:{eusko.id}:")]
    assert recipients >= 2 and len(issued) == recipients
    policy = db.session.get(CurrencyPolicy, "EUSKO")
    assert policy.merchant_fee_bp > 0 and policy.fund_account_id is not None
    [rule] = db.session.scalars(select(DonationRule)).all()
    assert rule.currency == "EUSKO"
    [payment] = [t for t in transfers
                 if (t.get("metadata") or {}).get("kind") == "currency_payment"]
    credited = {p["to"] for p in payment["postings"]}
    assert len(payment["postings"]) == 3 and policy.fund_account_id in credited


def test_seed_demo_has_a_redemption_pending_and_one_approved(runner, db):
    import ledger

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    found = {r.status: r for r in db.session.scalars(select(Redemption))}
    assert set(found) == {"requested", "approved"}
    assert ledger.get_transfer(db.engine, found["requested"].hold_transfer_id)["status"] == \
        "pending"
    assert ledger.get_transfer(db.engine, found["approved"].payout_transfer_id)["status"] == \
        "posted"


def test_seed_demo_credits_a_card_top_up_from_stripes_event(runner, db):
    import ledger

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    [topup] = db.session.scalars(select(TopUp).where(TopUp.currency == "EUR")).all()
    assert topup.status == "succeeded" and topup.payment_intent.startswith("pi_demo_")
    moved = ledger.get_transfer(db.engine, topup.transfer_id)
    assert moved["status"] == "posted"
    assert [(p["to"], p["amount"]) for p in moved["postings"]] == [
        (topup.account_id, ledger.format_amount(topup.euro_cents, 2))]
    assert db.session.scalar(select(func.count()).select_from(StripeEvent).where(
        StripeEvent.topup_id == topup.id)) == 1


def test_seed_demo_books_a_demurrage_charge_to_the_commons(runner, db):
    import ledger

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    melting = [p for p in db.session.scalars(select(CurrencyPolicy))
               if p.demurrage_rate_bp and p.commons_account_id]
    assert melting
    commons = ledger.get_account(db.engine, melting[0].commons_account_id)
    assert commons["balance"] not in ("0", "0.00")
    assert any((t.get("reference") or "").startswith(f"demurrage:{melting[0].code}:")
               for t in demo_transfers(db))
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_seed_demo_summary_names_each_currency_capability_once(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    starts = ["Parts sociales :", "Compensation entre réseaux :", "Programme social ",
              "Conversions d'euskos en euros :", "Recharge par carte :", "Fonte ECOSOL "]
    lines = first.output.splitlines()
    assert [sum(line.startswith(s) for line in lines) for s in starts] == [1] * len(starts)
    again = runner.invoke(args=["seed-demo"]).output.splitlines()
    assert not any(line.startswith(s) for s in starts for line in again)
