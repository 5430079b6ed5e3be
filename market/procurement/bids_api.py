"""JSON API of bids on lots, their comparison and award, contracts and their invoices.

Bidding is for a structure's traders (``?member=`` when they act for several); comparing,
marking and awarding for the lot's buyer, after the deadline only; a contract is read by
its buyer, holder and grouping members, network admins and the clause facilitators of the
lot's department. Paying an invoice moves money: it honours ``Idempotency-Key``.
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import ledger
from ledger import idempotency as ledger_idempotency
from market.auth.roles import Role
from market.offers.viewer import TRADERS, editable_members, own_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import award, bids, invoices, tenders
from market.procurement.bids_present import (
    bid_data,
    comparison_data,
    contract_data,
    invoice_data,
)
from market.procurement.bids_schemas import (
    AwardInSchema,
    BidInSchema,
    BidPageSchema,
    BidSchema,
    ComparisonSchema,
    ContractPageSchema,
    ContractSchema,
    InvoiceInSchema,
    InvoicePaymentInSchema,
    InvoiceSchema,
    ListArgsSchema,
    QualityMarkInSchema,
)
from market.procurement.contract_models import Bid, Contract
from market.procurement.models import Lot
from market.web.access import protect, signed_in
from market.web.errors import AppError, Forbidden
from market.web.idempotency import HEADER_DOC, current, idempotent
from market.web.jsonapi import Blueprint
from market.web.pagination import paginate
from market.web.refusals import app_error, as_refusal

blp = Blueprint("procurement_bids_api", __name__, url_prefix="/api/v1",
                description="Bids on lots, awards, contracts and their invoices")

BUYERS = (Role.buyer,)
#: Who issues the holder's invoices, and who pays them for the buyer.
ISSUERS = (Role.member_admin, Role.member_treasurer)
PAYERS = (Role.buyer, Role.member_treasurer)


def reader() -> dict:
    """Whose contracts the caller reads: its members (any role), as admin, as facilitator."""
    departments = set()
    if current_user.has_role(Role.clause_facilitator):
        departments = award.facilitated_departments(db.session, current_user.id)
    return {"members": current_user.member_ids(acting="read"),
            "admin": current_user.has_role(Role.network_admin), "departments": departments}


def readable_contracts():
    """The ids of the contracts the caller may read, as a statement."""
    who = reader()
    condition = award.reader_filter(who["members"], who["admin"], who["departments"])
    stmt = select(Contract.id)
    return stmt if condition is None else stmt.where(condition)


def lot_of(bid: Bid) -> Lot:
    return db.session.get(Lot, bid.lot_id)


@blp.post("/lots/<int:lot_id>/bids")
@blp.arguments(BidInSchema)
@blp.response(201, BidSchema)
def submit_bid(data: dict, lot_id: int):
    """Bid on a published lot before its deadline (again: the bid is replaced), alone or,
    as its lead, for a grouping with each member's share of the work."""
    begin_write(db.session)
    bidder = writing_member(db.session, request.args.get("member"), TRADERS)
    lot = tenders.visible_lot(db.session, lot_id, set())
    bid = bids.submit_bid(db.session, lot, bidder, current_user.id, data)
    body = bid_data(bid, lot)
    db.session.commit()
    return body


@blp.get("/bids/mine")
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, BidPageSchema)
def my_bids(args: dict):
    """The bids of the caller's structures, oldest first."""
    mine = own_members()
    if not mine:
        return {"items": [], "next_cursor": None}
    page = paginate(db.session, bids.bids_of(mine), Bid.id, limit=args["limit"],
                    cursor=args["cursor"])
    return {"items": [bid_data(b, lot_of(b)) for b in page.items],
            "next_cursor": page.next_cursor}


@blp.post("/bids/<int:bid_id>/withdraw")
@blp.response(200, BidSchema)
def withdraw_bid(bid_id: int):
    """Take a bid back before the deadline."""
    begin_write(db.session)
    bid = bids.own_bid(db.session, bid_id, editable_members(TRADERS), lock=True)
    bids.withdraw_bid(db.session, bid)
    body = bid_data(bid, lot_of(bid))
    db.session.commit()
    return body


@blp.get("/lots/<int:lot_id>/bids")
@blp.response(200, ComparisonSchema)
def compare_bids(lot_id: int):
    """The lot's bids side by side, scored on its criteria (its buyer, after the deadline)."""
    buyers = current_user.member_ids(*BUYERS, acting="read")
    lot = award.buyer_lot(db.session, lot_id, buyers)
    return comparison_data(award.compare(db.session, lot))


@blp.patch("/bids/<int:bid_id>")
@blp.arguments(QualityMarkInSchema)
@blp.response(200, BidSchema)
def mark_bid(data: dict, bid_id: int):
    """Give a bid its quality mark out of 20 (the lot's buyer, after the deadline)."""
    begin_write(db.session)
    bid = award.lot_bid(db.session, bid_id, editable_members(BUYERS), lock=True)
    award.mark_quality(db.session, bid, data["quality_mark"])
    body = bid_data(bid, lot_of(bid))
    db.session.commit()
    return body


@blp.post("/lots/<int:lot_id>/award")
@blp.arguments(AwardInSchema)
@blp.response(201, ContractSchema)
def award_lot(data: dict, lot_id: int):
    """Award the lot to one of its bids (its buyer, after the deadline): the contract."""
    begin_write(db.session)
    lot = award.buyer_lot(db.session, lot_id, editable_members(BUYERS), lock=True)
    contract = award.award(db.session, lot, data["bid_id"], current_user.id)
    body = contract_data(contract, lot)
    db.session.commit()
    return body


@blp.get("/contracts")
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, ContractPageSchema)
def list_contracts(args: dict):
    """The contracts of the caller's structures, as buyer, holder or grouping member."""
    mine = current_user.member_ids(acting="read")
    if not mine:
        return {"items": [], "next_cursor": None}
    page = paginate(db.session, award.contracts_of(mine), Contract.id, limit=args["limit"],
                    cursor=args["cursor"])
    return {"items": [contract_data(c, db.session.get(Lot, c.lot_id)) for c in page.items],
            "next_cursor": page.next_cursor}


@blp.get("/contracts/<int:contract_id>")
@blp.response(200, ContractSchema)
def get_contract(contract_id: int):
    """A contract, its shares of the work and its invoices."""
    contract = award.visible_contract(db.session, contract_id, **reader())
    return contract_data(contract, db.session.get(Lot, contract.lot_id))


@blp.post("/contracts/<int:contract_id>/invoices")
@blp.arguments(InvoiceInSchema)
@blp.response(201, InvoiceSchema)
def issue_invoice(data: dict, contract_id: int):
    """The holder's invoice on the contract (all of them within the contract's amount)."""
    begin_write(db.session)
    contract = award.visible_contract(db.session, contract_id, **reader(), lock=True)
    if contract.holder_id not in editable_members(ISSUERS):
        raise Forbidden(_("Seuls l'administrateur ou le trésorier du titulaire facturent."))
    invoice = invoices.issue_invoice(db.session, contract, data, current_user.id)
    body = invoice_data(invoice, contract.currency)
    db.session.commit()
    return body



def once(operation: str, work) -> dict:
    """Run ``work()`` once per idempotency key, in the request's one transaction."""
    begin_write(db.session)
    conn = db.session.connection()

    def attempt(_conn):
        try:
            return work()
        except AppError as error:
            db.session.expire_all()  # nothing of the refused step may reach the commit
            raise as_refusal(error) from None
        except BaseException:
            db.session.expire_all()
            raise

    try:
        result = ledger_idempotency.run(conn, operation, None, current(), attempt)
    except ledger.LedgerError as error:
        db.session.commit()  # the key alone: the refused payment rolled back
        raise app_error(error) from None
    db.session.commit()
    return result


@blp.post("/invoices/<int:invoice_id>/pay")
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(InvoicePaymentInSchema, required=False)
@blp.response(200, InvoiceSchema)
def pay_invoice(data: dict, invoice_id: int):
    """Pay an invoice (the buyer): one ledger transfer from its euro account, split between
    the grouping's members by their shares; part may be paid in complementary currencies
    (``payment``), the rest in euros."""
    def work():
        invoice = invoices.contract_invoice(db.session, invoice_id, readable_contracts())
        contract = db.session.get(Contract, invoice.contract_id)
        if contract.buyer_id not in editable_members(PAYERS):
            raise Forbidden(_("Seuls l'acheteur ou le trésorier de l'acheteur paient."))
        invoices.pay_invoice(db.session, contract, invoice, current_user.id,
                             payment=(data or {}).get("payment"))
        return invoice_data(invoice, contract.currency)
    return once("procurement.invoice.pay", work)


protect(blp, {
    "submit_bid": signed_in,  # for a structure the caller trades for (writing_member)
    "my_bids": signed_in,
    "withdraw_bid": signed_in,  # the bidder's own bid only (bids.own_bid)
    "compare_bids": signed_in,  # the lot's buyer only (award.buyer_lot)
    "mark_bid": signed_in,
    "award_lot": signed_in,
    "list_contracts": signed_in,
    "get_contract": signed_in,  # its parties, admins, facilitators (award.visible_contract)
    "issue_invoice": signed_in,  # the holder's admin or treasurer
    "pay_invoice": signed_in,  # the buyer's buyer or treasurer
})
