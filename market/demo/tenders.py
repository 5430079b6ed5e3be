"""The demo's public procurement, run through the same use cases as the pages: Bayonne's
tenders (one awarded to the GIE, paid and followed in insertion hours; one open, with its
opportunities and a question; one draft for the advice), the clause facilitator's
territory, and a purchase through the inclusive catalogue."""

from datetime import timedelta

from sqlalchemy import select

import ledger
from market.auth.models import User
from market.members.models import Member
from market.offers import favourites
from market.orders.services import account_in
from market.platform.time import now_utc
from market.procurement import (
    award,
    bids,
    catalogue,
    facilitators,
    hours,
    invoices,
    opportunities,
    writing,
)
from market.procurement.bids_schemas import BidInSchema, InvoiceInSchema
from market.procurement.hours_schemas import HoursReportInSchema
from market.procurement.models import Grouping, Lot, Tender
from market.procurement.writing_schemas import LotInSchema, TenderInSchema
from market.web.errors import AppError

BUYER = "commune-bayonne"
FACILITATOR = "clauses@pays-basque.example"
#: Its references: the demo is seeded once (running seed-demo again changes nothing).
AWARDED_REF, OPEN_REF, DRAFT_REF = "2026-BAY-ESP", "2026-BAY-NET", "2027-BAY-RES"
#: The town hall: a postcode alone would place the lot at the department's centre.
BAYONNE = {"postcode": "64100", "city": "Bayonne", "latitude": "43.492949",
           "longitude": "-1.474841"}
CRITERIA = [{"kind": "price", "name": "Prix", "weight": "40"},
            {"kind": "quality", "name": "Valeur technique", "weight": "40"},
            {"kind": "social", "name": "Insertion professionnelle", "weight": "20"}]


def tender(session, buyer: Member, reference: str, title: str, deadline, lots: list[dict],
           description: str = "") -> Tender:
    """A draft tender of ``buyer`` with its lots, written as the pages write them."""
    made = writing.create_tender(session, buyer, TenderInSchema().load({
        "reference": reference, "title": title, "description": description,
        "procedure": "open", "deadline": deadline.isoformat(),
        "documents": [{"title": "Règlement de la consultation",
                       "url": f"https://marches.bayonne.example/{reference}/rc.pdf"}]}))
    for lot in lots:
        writing.add_lot(session, made, LotInSchema().load(lot))
    return made


def awarded_tender(session, buyer: Member, gie: Grouping, now) -> str:
    """Green spaces reserved to SIAE, won by the GIE, one invoice paid, hours followed."""
    deadline = now - timedelta(days=75)
    made = tender(session, buyer, AWARDED_REF, "Entretien des espaces verts et des berges "
                  "de la Nive", deadline, [{
                      "title": "Tonte, taille et entretien des berges", "cpv": ["77310000"],
                      "estimated_value": "48000.00", "place": BAYONNE, "duration_days": 365,
                      "reservation": "siae", "insertion_hours": 800, "criteria": CRITERIA}],
                  "Parcs, jardins et berges de la ville, un an reconductible.")
    writing.transition(session, made, "publish", now=deadline - timedelta(days=30))
    lot = made.lots[0]
    members = sorted(m.member_id for m in gie.members)
    part, rest = divmod(10_000, len(members))
    shares = [{"member_id": m, "percent": bids.bp_to_percent(part + (rest if m == gie.lead_id
                                                                       else 0)),
               "work": ""} for m in members]
    lead = session.get(Member, gie.lead_id)
    bid = bids.submit_bid(session, lot, lead, None, BidInSchema().load({
        "price": "46500.00", "insertion_hours": 900, "grouping_id": gie.id, "shares": shares,
        "summary": "Équipes de 4 salariés en parcours, encadrant technique, matériel "
                   "électrique."}), now=deadline - timedelta(days=5))
    contract = award.award(session, lot, bid.id, None, now=deadline + timedelta(days=2))
    paid_on = deadline + timedelta(days=40)
    fund(session, buyer, "15000.00")
    invoice = invoices.issue_invoice(session, contract, InvoiceInSchema().load({
        "number": "F-2026-031", "amount": "11625.00"}), None, now=paid_on)
    invoices.pay_invoice(session, contract, invoice, None, now=paid_on)
    follow_hours(session, contract, members, now)
    return f"le lot « {lot.title} » attribué au {gie.name}, une facture payée"


def fund(session, buyer: Member, amount: str) -> None:
    """Euros on the buyer's account (what a Stripe top-up does from the currencies issue)."""
    conn = session.connection()
    clearing = next(a["id"] for a in ledger.list_accounts(conn, currency="EUR")
                    if a["owner_ref"] is None and a["min_balance"] is None)
    ledger.transfer(conn, [{"from": clearing, "to": account_in(conn, buyer.id, "EUR"),
                            "amount": amount}], description="Mandat de paiement reçu")


def follow_hours(session, contract, members: list[int], now) -> None:
    """Last month's insertion hours of two members; the facilitator validates the first."""
    facilitator = session.scalar(select(User).where(User.email == FACILITATOR))
    if facilitator is not None:
        facilitators.set_departments(session, facilitator, ["64", "40"])
    month = hours.month_start(hours.month_start(now) - timedelta(days=1))
    reports = []
    for member_id, category, worked, people in ((members[0], "long_term_unemployed",
                                                 "182.00", 2),
                                                (members[1], "minimum_income", "96.50", 1)):
        report, _new = hours.report_hours(
            session, contract.id, session.get(Member, member_id), None,
            HoursReportInSchema().load({"month": month.strftime("%Y-%m"),
                                        "category": category, "hours": worked,
                                        "people": people}), today=now.date())
        reports.append(report)
    if facilitator is not None:
        hours.review_report(session, reports[0].id, "validate", "Conforme aux contrats de "
                            "travail transmis.", facilitator.id, {"64", "40"}, now=now)


def open_tender(session, buyer: Member, now) -> str:
    """Cleaning with an insertion clause and furniture reserved: opportunities, a question."""
    made = tender(session, buyer, OPEN_REF, "Nettoyage des bâtiments communaux et mobilier "
                  "urbain", now + timedelta(days=28), [
                      {"title": "Nettoyage des écoles et des salles municipales",
                       "cpv": ["90910000", "90911200"], "estimated_value": "95000.00",
                       "place": BAYONNE, "duration_days": 730, "reservation": "none",
                       "insertion_hours": 1200, "criteria": CRITERIA},
                      {"title": "Fabrication de bancs et de jardinières en bois",
                       "cpv": ["45421000"], "estimated_value": "30000.00", "place": BAYONNE,
                       "duration_days": 180, "reservation": "both", "insertion_hours": None,
                       "criteria": CRITERIA}])
    writing.transition(session, made, "publish", now=now)
    first = made.lots[0]
    told = structures_told(session, first)
    if told:  # a structure Bayonne keeps in its favourites: the lots' matches mark it
        favourites.star(session, buyer.id, starred_member_id=told[0].id)
    said = [opportunities.Answer("interested", comment="Deux équipes disponibles dès mars."),
            opportunities.Answer("not_interested", "capacity",
                                 "Nos équipes sont prises jusqu'à l'été.")]
    for member, answer in zip(told, said, strict=False):
        row = opportunities.get_opportunity(session, member.id, first.id)
        opportunities.answer(session, row, first, answer, now=now)
    asker = next(iter(told), None)
    if asker is not None:
        question = opportunities.ask(session, first, asker, None, "Les vacances scolaires "
                                     "sont-elles à assurer en plus des jours d'école ?",
                                     now=now)
        opportunities.answer_question(session, first, question, "Oui : un grand nettoyage "
                                      "par école pendant les vacances d'été, compris dans "
                                      "le prix.", now=now)
    return f"l'appel d'offres « {made.title} » publié ({len(made.lots)} lots)"


def structures_told(session, lot: Lot) -> list[Member]:
    """The structures notified of ``lot``, best ranked first."""
    from market.procurement.outreach_models import LotOpportunity

    return list(session.scalars(select(Member).join(
        LotOpportunity, LotOpportunity.member_id == Member.id).where(
        LotOpportunity.lot_id == lot.id, LotOpportunity.notified_at.is_not(None))
        .order_by(LotOpportunity.rank)))


def draft_tender(session, buyer: Member, now) -> str:
    """A draft the buyer is still writing: its lot's page gives advice."""
    made = tender(session, buyer, DRAFT_REF, "Restauration scolaire : légumerie et "
                  "portage de repas", now + timedelta(days=60), [
                      {"title": "Préparation de légumes bio locaux", "cpv": ["15331100"],
                       "estimated_value": "120000.00", "place": BAYONNE,
                       "duration_days": 365}])
    return f"un brouillon « {made.title} »"


def catalogue_purchase(session, buyer: Member, now) -> str | None:
    """A small purchase through the inclusive catalogue, in the first sector that has
    eligible structures around Bayonne."""
    from market.offers.models import Offer, OfferStatus

    sectors = sorted(set(session.scalars(select(Offer.sector_code).where(
        Offer.status == OfferStatus.published, Offer.currency == "EUR"))))
    for sector in sectors:
        if sector and catalogue.candidates(session, sector, "64", 1, now):
            try:
                made = catalogue.purchase(session, buyer, None, {
                    "sector": sector, "department": "64", "quantity": 1,
                    "note": "Achat de démonstration"}, now, seed="demo-2026")
            except AppError:
                continue
            return f"un achat au catalogue inclusif ({made.supplier.name})"
    return None


def seed_tenders(session, members: dict[str, Member]) -> str | None:
    """Bayonne's tenders and what followed them, once; a summary, None if already there."""
    buyer = members.get(BUYER)
    if buyer is None or session.scalar(select(Tender.id).where(
            Tender.reference == AWARDED_REF)) is not None:
        return None
    gie = session.scalar(select(Grouping).where(Grouping.kind == "gie")
                         .order_by(Grouping.id))
    now = now_utc()
    parts = []
    if gie is not None:
        parts.append(awarded_tender(session, buyer, gie, now))
    parts.append(open_tender(session, buyer, now))
    parts.append(draft_tender(session, buyer, now))
    bought = catalogue_purchase(session, buyer, now)
    if bought:
        parts.append(bought)
    return "Marchés de Bayonne : " + ", ".join(parts) + "."
