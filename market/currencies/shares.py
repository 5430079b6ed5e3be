"""Cooperative share use cases: subscribe, call, pay a call, withdraw or transfer (approved
by the cooperative), and read the register. Each runs in the caller's one transaction and
books its ledger transfer on the session's connection; the register only gains events."""

import csv
import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

import ledger
from market.currencies import governance
from market.currencies import share_rules as rules
from market.currencies.share_models import (
    CooperativeCapital,
    ShareEvent,
    ShareEventKind,
    ShareRequest,
    ShareRequestKind,
    ShareRequestStatus,
)
from market.members.models import Member
from market.offers.models import Offer, OfferKind, OfferStatus
from market.platform.time import now_utc
from market.treasury.owners import owner_ref
from market.web.errors import BusinessRuleError, InvalidState, NotFound, ValidationError

EURO = "EUR"


def refusal(error: rules.ShareRuleError) -> ValidationError:
    """A share rule's refusal as people read it (422, the field named)."""
    f = error.figures
    messages = {
        "no_nominal": _("Cette offre de parts n'a pas de valeur nominale."),
        "below_minimum": _("Au moins %(n)s parts par souscripteur.", n=f.get("minimum")),
        "above_maximum": _("Au plus %(n)s parts par souscripteur.", n=f.get("maximum")),
        "quarter_unpaid": _("Au moins un quart du nominal se libère à la souscription : "
                            "%(amount)s EUR.",
                            amount=ledger.format_amount(f.get("minimum", 0), 2)),
        "overpaid": _("Pas plus que le nominal souscrit : %(amount)s EUR.",
                      amount=ledger.format_amount(f.get("maximum", 0), 2)),
        "invalid_call": _("Un appel positif par part."),
        "payment_beyond_call": _("Au plus le capital appelé non versé : %(amount)s EUR.",
                                 amount=ledger.format_amount(f.get("maximum", 0), 2)),
        "more_than_held": _("Au plus les %(n)s parts détenues.", n=f.get("held")),
        "below_capital_floor": _("Refusé : le capital passerait sous le quart du plus haut "
                                 "capital atteint (%(floor)s EUR).",
                                 floor=ledger.format_amount(f.get("floor", 0), 2)),
    }
    message = messages[error.code]
    found = ValidationError({error.field: [message]}, message)
    found.details["rule"] = error.code
    return found


def capital_of(session, cooperative_id: int, *, lock: bool = False) -> CooperativeCapital:
    """The cooperative's capital (locked: its use cases run one at a time); NotFound if none."""
    stmt = select(CooperativeCapital).where(CooperativeCapital.member_id == cooperative_id)
    found = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if found is None:
        raise NotFound(_("Cette structure n'a pas de capital en parts."))
    if lock:
        session.refresh(found)
    return found


def open_capital(session, cooperative: Member, nominal: int) -> CooperativeCapital:
    """Make the cooperative's share currency and its EUR equity accounts, once."""
    found = session.get(CooperativeCapital, cooperative.id)
    if found is not None:
        return found
    governance.euro(session)
    code = f"PARTS-{cooperative.id}"
    policy = governance.create_currency(session, code=code, name=f"Parts {cooperative.name}"[:100],
                                        scale=0, kind="share")
    owner = owner_ref(cooperative.id)

    def account(name, floor=0):
        return governance.system_account(session, EURO, f"{name} — {cooperative.name}",
                                         owner=owner, min_balance=floor)

    capital = CooperativeCapital(
        member_id=cooperative.id, share_code=code, nominal_minor=nominal,
        paid_account_id=account("Capital souscrit appelé versé"),
        called_account_id=account("Capital souscrit appelé non versé"),
        uncalled_account_id=account("Capital souscrit non appelé"),
        receivable_account_id=account("Associés, capital souscrit non versé", None),
        issuance_account_id=policy.issuance_account_id, highest_capital_minor=0)
    session.add(capital)
    session.flush()
    return capital


def events_of(session, cooperative_id: int) -> list[ShareEvent]:
    return list(session.scalars(select(ShareEvent).where(
        ShareEvent.cooperative_id == cooperative_id).order_by(ShareEvent.id)))


def holdings(session, cooperative_id: int) -> dict[int, rules.Holding]:
    return rules.holdings(events_of(session, cooperative_id))


def eur_account(session, member_id: int) -> int:
    found = governance.member_account(session, member_id, EURO)
    if found is None:
        raise BusinessRuleError(_("Votre structure n'a pas de compte en euros."),
                                code="not_eligible")
    return found


def share_account(session, capital: CooperativeCapital, member_id: int) -> int:
    found = governance.member_account(session, member_id, capital.share_code)
    return found or governance.open_member_account(session, member_id, capital.share_code)


def record(session, capital, member_id, kind, change: rules.Holding, transfer_id, by, *,
           now, counterparty=None, offer_id=None) -> ShareEvent:
    found = ShareEvent(cooperative_id=capital.member_id, member_id=member_id, kind=kind,
                       units=change.units, paid=change.paid, called=change.called,
                       uncalled=change.uncalled, nominal_minor=capital.nominal_minor,
                       transfer_id=transfer_id, by_user_id=by, at=now,
                       counterparty_id=counterparty, offer_id=offer_id)
    session.add(found)
    return found


def subscribe(session, offer: Offer, subscriber: Member, shares: int, paid: int, *,
              by: int | None = None, paying_account: int | None = None,
              now: datetime | None = None) -> ShareEvent:
    """Subscribe ``shares`` of a share offer paying ``paid`` cents now, in one transfer.

    ``paying_account`` is the seam for a card payment: an EUR account of the subscriber
    already credited (by a Stripe top-up); by default its own EUR account."""
    now = now or now_utc()
    if offer.kind != OfferKind.share or offer.status != OfferStatus.published:
        raise NotFound(_("Offre introuvable."))
    if offer.member_id == subscriber.id or subscriber.status != "active":
        raise BusinessRuleError(_("Cette structure ne peut pas souscrire à cette offre."),
                                code="not_eligible")
    if offer.currency != EURO:
        raise BusinessRuleError(_("Les parts se souscrivent en euros."), code="not_eligible")
    capital = open_capital(session, offer.member, offer.price_minor)
    capital = capital_of(session, offer.member_id, lock=True)
    if capital.nominal_minor != offer.price_minor:
        raise BusinessRuleError(_("Le nominal de cette offre diffère de celui des parts."),
                                code="not_eligible")
    held = holdings(session, capital.member_id).get(subscriber.id, rules.Holding())
    try:
        unpaid = rules.check_subscription(shares, paid, capital.nominal_minor,
                                          offer.share_min or 1, offer.share_max, held.units)
    except rules.ShareRuleError as error:
        raise refusal(error) from None
    source = paying_account or eur_account(session, subscriber.id)
    postings = [{"from": source, "to": capital.paid_account_id, "amount": paid},
                {"from": capital.issuance_account_id,
                 "to": share_account(session, capital, subscriber.id), "amount": shares}]
    if unpaid:
        postings.insert(1, {"from": capital.receivable_account_id,
                            "to": capital.uncalled_account_id, "amount": unpaid})
    booked = ledger.transfer(session.connection(), postings, now=now,
                             description=f"Souscription de {shares} parts"[:200],
                             reference=None, metadata={"offer": offer.id})
    found = record(session, capital, subscriber.id, ShareEventKind.subscription,
                   rules.Holding(shares, paid, 0, unpaid), booked["id"], by, now=now,
                   offer_id=offer.id)
    session.flush()
    capital.highest_capital_minor = max(
        capital.highest_capital_minor,
        sum(h.units for h in holdings(session, capital.member_id).values())
        * capital.nominal_minor)
    session.flush()
    return found


def call(session, cooperative_id: int, per_share: int, *, by=None,
         now: datetime | None = None) -> list[ShareEvent]:
    """Call ``per_share`` cents per unit of the uncalled capital, from every holder."""
    now = now or now_utc()
    capital = capital_of(session, cooperative_id, lock=True)
    try:
        amounts = rules.call_amounts(holdings(session, cooperative_id), per_share)
    except rules.ShareRuleError as error:
        raise refusal(error) from None
    if not amounts:
        raise InvalidState(_("Tout le capital souscrit est déjà appelé."))
    booked = ledger.transfer(session.connection(), [
        {"from": capital.uncalled_account_id, "to": capital.called_account_id,
         "amount": sum(amounts.values())}], now=now, description="Appel de capital")
    made = [record(session, capital, member, ShareEventKind.call,
                   rules.Holding(0, 0, amount, -amount), booked["id"], by, now=now)
            for member, amount in sorted(amounts.items())]
    session.flush()
    return made


def pay_call(session, cooperative_id: int, holder_id: int, amount: int, *, by=None,
             paying_account: int | None = None, now: datetime | None = None) -> ShareEvent:
    """The holder pays ``amount`` cents of what was called from it."""
    now = now or now_utc()
    capital = capital_of(session, cooperative_id, lock=True)
    holding = holdings(session, cooperative_id).get(holder_id, rules.Holding())
    try:
        rules.check_payment(holding, amount)
    except rules.ShareRuleError as error:
        raise refusal(error) from None
    source = paying_account or eur_account(session, holder_id)
    booked = ledger.transfer(session.connection(), [
        {"from": source, "to": capital.paid_account_id, "amount": amount},
        {"from": capital.called_account_id, "to": capital.receivable_account_id,
         "amount": amount}], now=now, description="Libération de capital appelé")
    found = record(session, capital, holder_id, ShareEventKind.payment,
                   rules.Holding(0, amount, -amount, 0), booked["id"], by, now=now)
    session.flush()
    return found


def ask(session, cooperative_id: int, holder_id: int, kind: str, units: int, *, by=None,
        to_member: int | None = None) -> ShareRequest:
    """A holder asks to withdraw or transfer ``units`` of its shares (the cooperative decides)."""
    capital_of(session, cooperative_id)
    holding = holdings(session, cooperative_id).get(holder_id, rules.Holding())
    try:
        rules.split(holding, units)
    except rules.ShareRuleError as error:
        raise refusal(error) from None
    if kind == ShareRequestKind.transfer:
        target = session.get(Member, to_member) if to_member else None
        if target is None or target.status != "active" or to_member == holder_id:
            raise ValidationError({"to_member": [_("Structure destinataire inconnue.")]})
    found = ShareRequest(cooperative_id=cooperative_id, member_id=holder_id, kind=kind,
                         units=units, to_member_id=to_member, requested_by=by)
    session.add(found)
    session.flush()
    return found


def request_of(session, request_id: int, cooperative_ids: set[int],
               holder_ids: set[int] = frozenset()) -> ShareRequest:
    """A request the caller sees (its cooperative's, or its own); any other is NotFound."""
    found = session.get(ShareRequest, request_id) if 0 < request_id < 2**31 else None
    if found is None or not (found.cooperative_id in cooperative_ids
                             or found.member_id in holder_ids):
        raise NotFound(_("Demande introuvable."))
    return found


def decide(session, request: ShareRequest, approve: bool, *, by=None, reason: str = "",
           now: datetime | None = None) -> ShareRequest:
    """Approve (book it in one transfer) or refuse a withdrawal or transfer request."""
    now = now or now_utc()
    capital = capital_of(session, request.cooperative_id, lock=True)
    session.refresh(request)
    if request.status != ShareRequestStatus.requested:
        raise InvalidState(_("Cette demande est déjà tranchée."))
    if approve:
        book(session, capital, request, by, now)
    request.status = ShareRequestStatus.approved if approve else ShareRequestStatus.refused
    request.decided_by, request.decided_at, request.reason = by, now, reason[:2000]
    session.flush()
    return request


def book(session, capital, request, by, now) -> None:
    events = events_of(session, capital.member_id)
    held = rules.holdings(events)
    try:
        part = rules.split(held.get(request.member_id, rules.Holding()), request.units)
        if request.kind == ShareRequestKind.withdrawal:
            rules.check_withdrawal(sum(h.units for h in held.values()), request.units,
                                   capital.nominal_minor, capital.highest_capital_minor)
    except rules.ShareRuleError as error:
        raise refusal(error) from None
    holder_units = share_account(session, capital, request.member_id)
    minus = rules.Holding(-part.units, -part.paid, -part.called, -part.uncalled)
    if request.kind == ShareRequestKind.transfer:
        postings = [{"from": holder_units, "amount": part.units,
                     "to": share_account(session, capital, request.to_member_id)}]
    else:
        postings = [p for p in (
            {"from": capital.paid_account_id, "to": eur_account(session, request.member_id),
             "amount": part.paid},
            {"from": capital.called_account_id, "to": capital.receivable_account_id,
             "amount": part.called},
            {"from": capital.uncalled_account_id, "to": capital.receivable_account_id,
             "amount": part.uncalled},
            {"from": holder_units, "to": capital.issuance_account_id, "amount": part.units},
        ) if p["amount"] > 0]
    booked = ledger.transfer(session.connection(), postings, now=now,
                             description=f"{request.kind} de {part.units} parts")
    request.transfer_id = booked["id"]
    record(session, capital, request.member_id, request.kind, minus, booked["id"], by,
           now=now, counterparty=request.to_member_id)
    if request.kind == ShareRequestKind.transfer:
        record(session, capital, request.to_member_id, request.kind, part, booked["id"], by,
               now=now, counterparty=request.member_id)


def register(session, cooperative_id: int) -> dict:
    """The register: holders with their holdings and first/last dates, and every event."""
    capital = capital_of(session, cooperative_id)
    events = events_of(session, cooperative_id)
    held = rules.holdings(events)
    names = dict(session.execute(select(Member.id, Member.name).where(
        Member.id.in_({e.member_id for e in events} | {cooperative_id}))).all())
    dates: dict[int, list] = {}
    for e in events:
        dates.setdefault(e.member_id, [e.at, e.at])[1] = e.at
    holders = [{"member_id": m, "name": names.get(m, ""), "units": h.units, "paid": h.paid,
                "called": h.called, "uncalled": h.uncalled, "since": dates[m][0],
                "last": dates[m][1]} for m, h in sorted(held.items(),
                                                        key=lambda i: names.get(i[0], ""))]
    units = sum(h.units for h in held.values())
    return {"capital": capital, "name": names.get(cooperative_id, ""), "holders": holders,
            "events": events, "names": names, "units": units,
            "subscribed": units * capital.nominal_minor,
            "highest": capital.highest_capital_minor}


CSV_HEADER = ["member_id", "holder", "units", "nominal", "subscribed", "paid",
              "called_unpaid", "uncalled", "since", "last_event"]


def register_csv(data: dict) -> str:
    """The register as CSV for the general assembly (amounts in euros, "12.50")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    nominal = data["capital"].nominal_minor
    for h in data["holders"]:
        writer.writerow([h["member_id"], h["name"], h["units"],
                         ledger.format_amount(nominal, 2),
                         ledger.format_amount(h["units"] * nominal, 2),
                         ledger.format_amount(h["paid"], 2),
                         ledger.format_amount(h["called"], 2),
                         ledger.format_amount(h["uncalled"], 2),
                         h["since"].isoformat(), h["last"].isoformat()])
    return out.getvalue()
