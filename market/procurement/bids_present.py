"""Bids, their comparison, contracts and invoices as the API shows them (bids_schemas)."""

from flask_babel import gettext as _

import ledger
from market.matching.bid_scoring import two_decimals
from market.procurement.award import Comparison
from market.procurement.bids import SCALE, bp_to_percent
from market.procurement.contract_models import Bid, Contract, ContractInvoice
from market.procurement.invoices import invoiced
from market.procurement.models import Lot


def when(value) -> str | None:
    return None if value is None else value.isoformat()


def lot_ref(lot: Lot) -> dict:
    return {"id": lot.id, "tender_id": lot.tender_id, "title": lot.title}


def shares_data(bid: Bid) -> list[dict]:
    return [{"member_id": s.member_id, "name": s.member.name,
             "percent": bp_to_percent(s.share_bp), "work": s.work} for s in bid.shares]


def bid_data(bid: Bid, lot: Lot) -> dict:
    """A bid with its price, hours, shares and the buyer's mark."""
    return {
        "id": bid.id, "lot": lot_ref(lot), "bidder": {"id": bid.member.id,
                                                      "name": bid.member.name},
        "grouping_id": bid.grouping_id,
        "price": ledger.format_amount(bid.price_minor, SCALE), "currency": bid.currency,
        "insertion_hours": bid.insertion_hours, "summary": bid.summary,
        "quality_mark": bid.quality_mark, "status": bid.status, "shares": shares_data(bid),
        "created_at": when(bid.created_at), "updated_at": when(bid.updated_at),
    }


def comparison_data(found: Comparison) -> dict:
    """The lot's bids side by side: each with its rank, score and points per criterion."""
    lot = found.lot
    items = []
    for compared in found.items:
        scored = compared.scored
        points = [{"criterion": p.kind, "weight": two_decimals(p.weight),
                   "points": two_decimals(p.points),
                   "note": _("Pas encore de note de qualité : 0 point.") if p.unmarked
                   else None} for p in scored.points]
        items.append({**bid_data(compared.bid, lot), "rank": scored.rank,
                      "score": two_decimals(scored.score), "points": points})
    return {"lot": lot_ref(lot), "deadline": when(lot.tender.deadline),
            "weights": [{"criterion": k, "weight": two_decimals(w)}
                        for k, w in found.weights.items()],
            "items": items}


def invoice_data(invoice: ContractInvoice, currency: str) -> dict:
    return {"id": invoice.id, "contract_id": invoice.contract_id, "number": invoice.number,
            "amount": ledger.format_amount(invoice.amount_minor, SCALE), "currency": currency,
            "status": invoice.status, "transfer_id": invoice.transfer_id,
            "issued_at": when(invoice.issued_at), "paid_at": when(invoice.paid_at)}


def contract_data(contract: Contract, lot: Lot) -> dict:
    """A contract: the award, the shares of the work, what is invoiced and what is left."""
    done = invoiced(contract)
    return {
        "id": contract.id, "lot": lot_ref(lot), "bid_id": contract.bid_id,
        "buyer": {"id": contract.buyer.id, "name": contract.buyer.name},
        "holder": {"id": contract.holder.id, "name": contract.holder.name},
        "grouping_id": contract.grouping_id,
        "amount": ledger.format_amount(contract.amount_minor, SCALE),
        "currency": contract.currency, "insertion_hours": contract.insertion_hours,
        "status": contract.status, "awarded_at": when(contract.awarded_at),
        "shares": shares_data(contract.bid),
        "invoiced": ledger.format_amount(done, SCALE),
        "remaining": ledger.format_amount(contract.amount_minor - done, SCALE),
        "invoices": [invoice_data(i, contract.currency) for i in contract.invoices],
    }
