"""Orders as plain data: amounts as decimal strings, the ledger's transfer alongside."""

import ledger
from market.orders.models import Order


def iso(value):
    return None if value is None else value.isoformat()


def order_data(order: Order, conn, scales: dict[str, int]) -> dict:
    """An order as OrderSchema serialises it (reading its transfer from the ledger)."""
    scale = scales.get(order.currency, 2)
    transfer = None
    if order.transfer_id is not None:
        transfer = ledger.get_transfer(conn, order.transfer_id)
    return {
        "id": order.id, "state": order.state,
        "offer": {"id": order.offer_id, "title": order.offer.title, "unit": order.offer.unit},
        "buyer": {"id": order.buyer.id, "name": order.buyer.name},
        "seller": {"id": order.seller.id, "name": order.seller.name},
        "quantity": order.quantity,
        "unit_price": ledger.format_amount(order.unit_price_minor, scale),
        "currency": order.currency, "delivery": order.delivery,
        "fee": ledger.format_amount(order.fee_minor, scale),
        "total": ledger.format_amount(order.total_minor, scale),
        "payment": [{"currency": p["currency"],
                     "amount": ledger.format_amount(p["minor"], scales.get(p["currency"], 2))}
                    for p in order.payment],
        "note": order.note, "refusal": order.refusal, "transfer": transfer,
        "created_at": iso(order.created_at), "accepted_at": iso(order.accepted_at),
        "delivered_at": iso(order.delivered_at), "closed_at": iso(order.closed_at),
    }
