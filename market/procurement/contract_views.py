"""Web pages of bids and contracts: the buyer's comparison of a lot's bids (sealed until the
deadline) with the quality marks and the award, the caller's contracts, and a contract with
its shares of the work, its invoices, the holder's invoice form and the buyer's payments.

Each write runs the same use case as the JSON API (market.procurement.award, invoices), in
one transaction; a refused form shows the page again with its messages, nothing written.
"""

import re
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import func, select
from werkzeug.routing import BuildError

import ledger
from market.auth.roles import Role
from market.matching.bid_scoring import two_decimals as exact_decimals
from market.offers.labels import money
from market.offers.viewer import editable_members
from market.platform.database import begin_write
from market.platform.extensions import db
from market.platform.time import now_utc
from market.procurement import award, invoices, labels
from market.procurement.bids import MAX_ID, bp_to_percent, deadline_passed
from market.procurement.bids_schemas import InvoiceInSchema
from market.procurement.contract_models import (
    Bid,
    BidStatus,
    Contract,
    ContractStatus,
    InvoiceStatus,
)
from market.procurement.labels import day
from market.procurement.models import Grouping, Lot, Structure
from market.treasury import access as ledger_access
from market.treasury.owners import owner_ref
from market.web import navigation
from market.web.access import protect, signed_in
from market.web.errors import AppError, Forbidden, NotFound, ValidationError
from market.web.page_refusals import messages
from market.web.pagination import paginate
from market.web.refusals import app_error

bp = Blueprint("procurement_contracts", __name__)
ID = f"int(min=1, max={MAX_ID})"
BUYERS = (Role.buyer,)
#: Who issues the holder's invoices, and who pays them for the buyer (as the API).
ISSUERS = (Role.member_admin, Role.member_treasurer)
PAYERS = (Role.buyer, Role.member_treasurer)
#: Contracts the list shows at once (oldest first).
PAGE_SIZE = 50
MARK = re.compile(r"[0-9]{1,2}")
PARIS = ZoneInfo("Europe/Paris")


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


def has_contract_side(user) -> bool:
    """Whether the user buys for a member or works for a structure (who may hold contracts)."""
    if user.member_ids(*BUYERS, acting="read"):
        return True
    mine = user.member_ids(acting="read")
    return bool(mine) and db.session.scalar(
        select(Structure.member_id).where(Structure.member_id.in_(sorted(mine))).limit(1)
    ) is not None


navigation.add_link(N_("Contrats"), "procurement_contracts.contract_list", has_contract_side)


def moment(value) -> str:
    """An instant as Paris reads it, day and hour, in the page's language."""
    return format_datetime(value.astimezone(PARIS), "d MMMM y, HH:mm") if value else ""


@bp.context_processor
def contract_helpers() -> dict:
    """Labels and formatters for the bids' and contracts' templates."""
    return {"plabels": labels, "money": money, "day": day, "moment": moment,
            "percent": percent}


def decimal_text(text: str) -> str:
    """A decimal string with the page language's decimal mark ("60,00" in French)."""
    return text.replace(".", ",") if labels.language() == "fr" else text


def percent(bp: int) -> str:
    """A share in basis points as people read it ("33,33")."""
    return decimal_text(bp_to_percent(bp))


# -- the comparison of a lot's bids ------------------------------------------------------------

def buyer_lot(lot_id: int, *, lock: bool = False, writing: bool = False) -> Lot:
    """A lot of one of the caller's buyers (to write: active ones); anyone else: NotFound."""
    buyers = editable_members(BUYERS) if writing else current_user.member_ids(
        *BUYERS, acting="read")
    return award.buyer_lot(db.session, lot_id, buyers, lock=lock)


def bidder_of(bid: Bid, groupings: dict[int, Grouping]) -> dict:
    """Who answers: the structure alone, or the grouping with its members and shares."""
    grouping = groupings.get(bid.grouping_id)
    return {"name": grouping.name if grouping else bid.member.name, "lead": bid.member,
            "grouping": grouping, "shares": bid.shares}


def show_compare(lot_id: int, *, errors: dict | None = None, problem: str | None = None,
                 status: int = 200):
    """The comparison page (before the deadline: only how many bids are sealed)."""
    lot = buyer_lot(lot_id)
    now = now_utc()
    context = {"lot": lot, "tender": lot.tender, "errors": errors or {}, "problem": problem,
               "can_write": lot.tender.buyer_id in editable_members(BUYERS)}
    contract = db.session.scalars(select(Contract).where(Contract.lot_id == lot.id)).first()
    if not deadline_passed(lot, now):
        count = db.session.scalar(select(func.count()).select_from(Bid).where(
            Bid.lot_id == lot.id, Bid.status != BidStatus.withdrawn))
        return render_template("procurement/bids_compare.html", sealed=True, count=count,
                               contract=contract, **context), status
    found = award.compare(db.session, lot, now=now)
    ids = {c.bid.grouping_id for c in found.items if c.bid.grouping_id is not None}
    groupings = {g.id: g for g in db.session.scalars(
        select(Grouping).where(Grouping.id.in_(sorted(ids))))} if ids else {}
    rows = [{"bid": c.bid, "scored": c.scored, "bidder": bidder_of(c.bid, groupings),
             "points": {p.kind: p for p in c.scored.points}} for c in found.items]
    open_lot = contract is None and lot.status in ("published", "closed")
    return render_template("procurement/bids_compare.html", sealed=False, rows=rows,
                           weights=found.weights, contract=contract, open_lot=open_lot,
                           two=two_decimals, **context), status


def two_decimals(value) -> str:
    """A score's fraction with two decimals, a decimal comma in French."""
    return decimal_text(exact_decimals(value))


@bp.get(f"/lots/<{ID}:lot_id>/offres")
def compare_bids(lot_id: int):
    """The lot's bids for its buyer: sealed until the deadline, then side by side, scored on
    the lot's criteria, with the quality mark form and the award button of each."""
    return show_compare(lot_id)


def parsed(parse, *args):
    """``parse(*args)`` and None, or None and its refusal (raised once the caller is known
    to see the resource: a stranger gets 404 whatever was typed)."""
    try:
        return parse(*args), None
    except ValidationError as error:
        return None, error


def mark_from_form() -> int:
    """The quality mark typed, out of 20; 422 otherwise."""
    raw = request.form.get("quality_mark", "").strip()
    if not MARK.fullmatch(raw) or int(raw) > 20:
        raise ValidationError({"quality_mark": [_("Une note entière de 0 à 20.")]})
    return int(raw)


def lot_bid(lot_id: int, bid_id: int) -> Bid:
    """A bid of this lot of one of the caller's active buyers, locked; else NotFound."""
    bid = award.lot_bid(db.session, bid_id, editable_members(BUYERS), lock=True)
    if bid.lot_id != lot_id:
        raise NotFound(_("Offre introuvable."))
    return bid


@bp.post(f"/lots/<{ID}:lot_id>/offres/<{ID}:bid_id>/note")
def mark_bid(lot_id: int, bid_id: int):
    """Give a bid its quality mark out of 20, then back to the comparison."""
    mark, refused = parsed(mark_from_form)
    begin_write(db.session)
    bid = lot_bid(lot_id, bid_id)  # a stranger finds nothing, whatever was typed
    try:
        if refused is not None:
            raise refused
        award.mark_quality(db.session, bid, mark)
    except ValidationError as error:
        db.session.rollback()
        return show_compare(lot_id, errors={bid_id: messages(error)}, status=error.status)
    except AppError as error:
        db.session.rollback()
        return show_compare(lot_id, problem=error.message, status=error.status)
    db.session.commit()
    flash(_("Note de qualité enregistrée : les scores sont recalculés."), "success")
    return redirect(url_for(".compare_bids", lot_id=lot_id, _anchor=f"bid-{bid_id}"))


@bp.post(f"/lots/<{ID}:lot_id>/offres/<{ID}:bid_id>/attribuer")
def award_bid(lot_id: int, bid_id: int):
    """Award the lot to this bid (the others are rejected): its contract's page."""
    begin_write(db.session)
    lot = buyer_lot(lot_id, lock=True, writing=True)
    try:
        contract = award.award(db.session, lot, bid_id, current_user.id)
    except ValidationError:  # no such bid on this lot: the URL names nothing
        db.session.rollback()
        raise NotFound(_("Offre introuvable.")) from None
    except AppError as error:
        db.session.rollback()
        return show_compare(lot_id, problem=error.message, status=error.status)
    db.session.commit()
    flash(_("Lot attribué à %(name)s : le marché est créé et ses structures sont prévenues.",
            name=contract.holder.name), "success")
    return redirect(url_for(".contract_page", contract_id=contract.id))


# -- contracts ----------------------------------------------------------------------------------

def reader() -> dict:
    """Whose contracts the caller reads: its members (any role), as admin, as facilitator."""
    departments = set()
    if current_user.has_role(Role.clause_facilitator):
        departments = award.facilitated_departments(db.session, current_user.id)
    return {"members": current_user.member_ids(acting="read"),
            "admin": current_user.has_role(Role.network_admin), "departments": departments}


def paid(contract: Contract) -> int:
    """What the contract's paid invoices add up to, in cents."""
    return sum(i.amount_minor for i in contract.invoices if i.status == InvoiceStatus.paid)


def sides(contract: Contract, mine: set[int]) -> list[str]:
    """The caller's sides of the contract: buyer, holder, grouping member."""
    found = []
    if contract.buyer_id in mine:
        found.append("buyer")
    if contract.holder_id in mine:
        found.append("holder")
    if mine & (set(award.parties(contract)) - {contract.holder_id}):
        found.append("member")
    return found


@bp.get("/contrats")
def contract_list():
    """The caller's contracts, as buyer, holder or member of the holding grouping."""
    mine = current_user.member_ids(acting="read")
    cursor = request.args.get("cursor")
    items, following = [], None
    if mine:
        page = paginate(db.session, award.contracts_of(mine), Contract.id, limit=PAGE_SIZE,
                        cursor=cursor)
        items, following = page.items, page.next_cursor
    lots = {lot.id: lot for lot in db.session.scalars(
        select(Lot).where(Lot.id.in_([c.lot_id for c in items])))} if items else {}
    rows = [{"contract": c, "lot": lots[c.lot_id], "invoiced": invoices.invoiced(c),
             "paid": paid(c), "sides": sides(c, mine)} for c in items]
    return render_template("procurement/contracts.html", rows=rows, cursor=cursor,
                           next_cursor=following)


def hours_url(contract_id: int) -> str:
    """The contract's insertion hours page (its own module's, when it is there)."""
    try:
        return url_for("procurement_hours.contract_hours", contract_id=contract_id)
    except BuildError:
        return f"/contrats/{contract_id}/heures"


def splits(contract: Contract) -> dict[int, dict[int, int]]:
    """Each invoice's parts by member, as paying it splits it."""
    shares = [(s.member_id, s.share_bp) for s in contract.bid.shares]
    return {i.id: invoices.split(i.amount_minor, shares, contract.holder_id)
            for i in contract.invoices}


def show_contract(contract_id: int, *, values: dict | None = None, errors: dict | None = None,
                  paying: dict | None = None, status: int = 200):
    """The contract page; ``values``/``errors``: a refused invoice form, ``paying``: a
    refused payment ({"invoice": id, "message", "reason"})."""
    contract = award.visible_contract(db.session, contract_id, **reader())
    lot = db.session.get(Lot, contract.lot_id)
    grouping = db.session.get(Grouping, contract.grouping_id) if contract.grouping_id else None
    parts = splits(contract)
    members = award.parties(contract)
    names = {s.member_id: s.member for s in contract.bid.shares}
    names.setdefault(contract.holder_id, contract.holder)
    shares = {s.member_id: s for s in contract.bid.shares}
    received = {m: sum(parts[i.id].get(m, 0) for i in contract.invoices
                       if i.status == InvoiceStatus.paid) for m in members}
    viewer = ledger_access.Viewer.of(current_user)
    transfer_readable = viewer.network or any(
        viewer.reads(owner_ref(m)) for m in {contract.buyer_id, *members})
    done, settled = invoices.invoiced(contract), paid(contract)
    return render_template(
        "procurement/contract.html", contract=contract, lot=lot, tender=lot.tender,
        grouping=grouping, members=[names[m] for m in members], shares=shares, parts=parts,
        received=received, invoiced=done, paid=settled, left=contract.amount_minor - done,
        unpaid=done - settled, hours_url=hours_url(contract.id),
        transfer_readable=transfer_readable, values=values or {"number": "", "amount": ""},
        errors=errors or {}, paying=paying,
        can_issue=contract.status == ContractStatus.active
        and contract.holder_id in editable_members(ISSUERS),
        can_pay=(can_pay := contract.buyer_id in editable_members(PAYERS)),
        mix_codes=invoices.payable_currencies(db.session, contract) if can_pay else [],
        sides=sides(contract, current_user.member_ids(acting="read"))), status


@bp.get(f"/contrats/<{ID}:contract_id>")
def contract_page(contract_id: int):
    """A contract: its lot, parties and shares, what is invoiced and paid, its invoices; the
    holder's invoice form and the buyer's payment buttons."""
    return show_contract(contract_id)


def typed_mix(form) -> list[dict]:
    """The complementary parts typed on the payment form (``pay_<CODE>``), blanks left out."""
    return [{"currency": name[4:20], "amount": typed_amount(value)}
            for name, value in sorted(form.items())
            if name.startswith("pay_") and value.strip()]


def typed_amount(raw: str) -> str:
    """The amount as the API takes it: "1 250,5" is "1250.50", "300" is "300.00"."""
    text = re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", ".")
    if re.fullmatch(r"[0-9]{1,30}", text):
        return f"{text}.00"
    if re.fullmatch(r"[0-9]{1,30}\.[0-9]", text):
        return f"{text}0"
    return text


def invoice_from_form(values: dict) -> dict:
    """The invoice the form says, loaded as the API loads it; 422 by field otherwise."""
    try:
        return InvoiceInSchema().load({"number": values["number"],
                                       "amount": typed_amount(values["amount"])})
    except SchemaError as error:
        raise ValidationError(error.messages) from None


@bp.post(f"/contrats/<{ID}:contract_id>/factures")
def issue_invoice(contract_id: int):
    """The holder's invoice (all of them within the contract's amount)."""
    values = {name: request.form.get(name, "").strip()[:100] for name in ("number", "amount")}
    data, refused = parsed(invoice_from_form, values)
    begin_write(db.session)
    contract = award.visible_contract(db.session, contract_id, **reader(), lock=True)
    if contract.holder_id not in editable_members(ISSUERS):
        raise Forbidden(_("Seuls l'administrateur ou le trésorier du titulaire facturent."))
    try:
        if refused is not None:
            raise refused
        invoice = invoices.issue_invoice(db.session, contract, data, current_user.id)
    except AppError as error:
        db.session.rollback()
        found = messages(error)
        if "form" in found and error.status == 409 and "number" in error.details:
            found = {"number": found.pop("form")}
        return show_contract(contract_id, values=values, errors=found, status=error.status)
    db.session.commit()
    flash(_("Facture %(number)s envoyée à l'acheteur.", number=invoice.number), "success")
    return redirect(url_for(".contract_page", contract_id=contract_id,
                            _anchor="contract-invoices-title"))


@bp.post(f"/contrats/<{ID}:contract_id>/factures/<{ID}:invoice_id>/payer")
def pay_invoice(contract_id: int, invoice_id: int):
    """Pay an issued invoice (the buyer): one ledger transfer split by the shares."""
    begin_write(db.session)
    who = reader()
    condition = award.reader_filter(who["members"], who["admin"], who["departments"])
    ids = select(Contract.id).where(Contract.id == contract_id)
    invoice = invoices.contract_invoice(
        db.session, invoice_id, ids if condition is None else ids.where(condition))
    contract = db.session.get(Contract, invoice.contract_id)
    if contract.buyer_id not in editable_members(PAYERS):
        raise Forbidden(_("Seuls l'acheteur ou le trésorier de l'acheteur paient."))
    try:
        try:
            invoices.pay_invoice(db.session, contract, invoice, current_user.id,
                                 payment=typed_mix(request.form))
        except ledger.LedgerError as refused:
            raise app_error(refused) from None
    except AppError as error:
        db.session.rollback()
        said = [m for messages in error.details.get("fields", {}).values() for m in messages]
        return show_contract(contract_id, paying={
            "invoice": invoice_id, "message": error.message, "problems": said,
            "reason": error.details.get("reason")}, status=error.status)
    number = invoice.number
    db.session.commit()
    flash(_("Facture %(number)s payée : un virement réparti entre les membres selon leurs "
            "parts.", number=number), "success")
    return redirect(url_for(".contract_page", contract_id=contract_id,
                            _anchor="contract-invoices-title"))


protect(bp, {
    "compare_bids": signed_in,  # the lot's buyer only (award.buyer_lot)
    "mark_bid": signed_in,  # the lot's buyer, active (editable_members)
    "award_bid": signed_in,
    "contract_list": signed_in,  # the caller's own contracts (award.contracts_of)
    "contract_page": signed_in,  # its parties, admins, facilitators (award.visible_contract)
    "issue_invoice": signed_in,  # the holder's admin or treasurer
    "pay_invoice": signed_in,  # the buyer's buyer or treasurer
})
