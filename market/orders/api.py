"""JSON API of orders: place one, move it along, list and show. Every write is idempotent.

A use case runs in the session's one transaction; with an ``Idempotency-Key`` its response
is stored by the ledger's key store on the same connection, in the same transaction, so the
order, the ledger's rows and the key commit together. A refusal is stored too (the order
untouched); a refusal whose record must stand (the buyer's funds were short, the hold had
expired) commits that record with the key.
"""

from flask import request
from flask_login import current_user
from sqlalchemy import or_, select

import ledger
from ledger import idempotency as ledger_idempotency
from market.offers import services as offers
from market.offers.geo import scales
from market.offers.viewer import ORDER_PARTIES, editable_members, own_members, writing_member
from market.orders import services
from market.orders.models import Order
from market.orders.present import order_data
from market.orders.schemas import OrderInSchema, OrderPageSchema, OrderQueryArgsSchema, OrderSchema
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, signed_in
from market.web.errors import AppError
from market.web.idempotency import HEADER_DOC, current, idempotent
from market.web.jsonapi import Blueprint
from market.web.pagination import decode_cursor, encode_cursor
from market.web.refusals import app_error, as_refusal

blp = Blueprint("orders_api", __name__, url_prefix="/api/v1",
                description="Orders between members, held and settled in the ledger")



def once(operation: str, work) -> dict:
    """Run ``work()`` (the use case, returning the order's data) once per idempotency key."""
    begin_write(db.session)
    conn = db.session.connection()

    def attempt(_conn):
        try:
            return work()
        except services.CommitThenRefuse as refused:
            error = refused.error
            return ledger_idempotency.CommitThenRaise(
                error if isinstance(error, ledger.LedgerError) else as_refusal(error))
        except AppError as error:
            db.session.expire_all()  # nothing of the refused step may reach the commit
            raise as_refusal(error) from None
        except BaseException:
            db.session.expire_all()
            raise

    try:
        result = ledger_idempotency.run(conn, operation, None, current(), attempt)
    except ledger.LedgerError as error:
        db.session.commit()  # the key and what must stand; the refused step rolled back
        raise app_error(error) from None
    db.session.commit()
    return result


def moves_money(view):
    """Document and honour Idempotency-Key."""
    return blp.doc(parameters=[HEADER_DOC])(idempotent(view, app_error))


@blp.post("/orders")
@moves_money
@blp.arguments(OrderInSchema)
@blp.response(201, OrderSchema)
def place_order(data: dict):
    """Order an offer: quantity, delivery method and payment mix are fixed now."""
    def work():
        buyer = writing_member(db.session, request.args.get("member"))
        offer = offers.visible_offer(db.session, data["offer"], set())
        order = services.request_order(db.session, offer, buyer, current_user.id, data)
        return order_data(order, db.session.connection(), scales(db.session))
    return once("order.request", work)


@blp.post("/orders/<int:order_id>/<any(accept, reject, cancel, deliver, confirm):action>")
@moves_money
@blp.response(200, OrderSchema)
def order_action(order_id: int, action: str):
    """Accept (hold the buyer's funds), reject, cancel (void), deliver or confirm (post)."""
    def work():
        mine = editable_members(ORDER_PARTIES)
        order = services.get_order(db.session, order_id, mine, lock=True)
        services.act(db.session, order, action, services.sides(order, mine))
        return order_data(order, db.session.connection(), scales(db.session))
    return once(f"order.{action}", work)


@blp.get("/orders/<int:order_id>")
@blp.response(200, OrderSchema)
def get_order(order_id: int):
    """An order of the caller's member, as buyer or seller."""
    order = services.get_order(db.session, order_id, own_members(ORDER_PARTIES))
    return order_data(order, db.session.connection(), scales(db.session))


@blp.get("/orders")
@blp.arguments(OrderQueryArgsSchema, location="query")
@blp.response(200, OrderPageSchema)
def list_orders(args: dict):
    """The caller's members' orders, newest first (``role``: as buyer or as seller)."""
    mine = own_members(ORDER_PARTIES)
    if not mine:
        return {"items": [], "next_cursor": None}
    stmt = select(Order)
    if args["role"] == "buyer":
        stmt = stmt.where(Order.buyer_member_id.in_(mine))
    elif args["role"] == "seller":
        stmt = stmt.where(Order.seller_member_id.in_(mine))
    else:
        stmt = stmt.where(or_(Order.buyer_member_id.in_(mine), Order.seller_member_id.in_(mine)))
    if args["state"]:
        stmt = stmt.where(Order.state == args["state"])
    if args["cursor"]:
        stmt = stmt.where(Order.id < decode_cursor(args["cursor"], False, 2**31 - 1)[0])
    rows = db.session.scalars(stmt.order_by(Order.id.desc()).limit(args["limit"] + 1)).all()
    known = scales(db.session)
    conn = db.session.connection()
    items = [order_data(o, conn, known) for o in rows[:args["limit"]]]
    more = len(rows) > args["limit"]
    return {"items": items, "next_cursor": encode_cursor([rows[args["limit"] - 1].id])
            if more else None}


protect(blp, {
    "place_order": signed_in,  # for a member the caller trades for (viewer.writing_member)
    "order_action": signed_in,  # the order's buyer or seller only (services.get_order)
    "get_order": signed_in,
    "list_orders": signed_in,
})
