"""JSON API of the inclusive catalogue: preview the rotation, place a small purchase, read
purchases with the proof of their rotation."""

from flask import request
from flask_login import current_user
from sqlalchemy import select

import ledger
from market.auth.access import network
from market.auth.roles import Role
from market.members.models import Member
from market.offers.viewer import own_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.platform.time import now_utc
from market.procurement import catalogue
from market.procurement.catalogue_schemas import (
    CatalogueCandidateArgsSchema,
    CataloguePreviewSchema,
    CataloguePurchaseInSchema,
    CataloguePurchaseListArgsSchema,
    CataloguePurchasePageSchema,
    CataloguePurchaseSchema,
)
from market.procurement.contract_models import CataloguePurchase
from market.procurement.outreach_models import settings
from market.web.access import any_of, protect, signed_in
from market.web.jsonapi import Blueprint

blp = Blueprint("procurement_catalogue_api", __name__, url_prefix="/api/v1",
                description="The inclusive catalogue: small purchases given by rotation")

BUYERS = (Role.buyer,)


def a_buyer(user, view_args) -> bool:
    """Users holding the buyer role for a member whose status lets them read."""
    return user is not None and bool(user.member_ids(*BUYERS, acting="read"))


def reading_buyers() -> set[int]:
    return current_user.member_ids(*BUYERS, acting="read")


def amount(minor: int) -> str:
    return ledger.format_amount(minor, catalogue.SCALE)


def names(ids: set[int]) -> dict[int, str]:
    """Members' names by id."""
    if not ids:
        return {}
    return dict(db.session.execute(select(Member.id, Member.name)
                                   .where(Member.id.in_(sorted(ids)))).all())


def purchase_data(row: CataloguePurchase) -> dict:
    """A purchase as CataloguePurchaseSchema shows it, with its rotation checked again."""
    known = names({row.buyer_id, *(c["member_id"] for c in row.candidates)})
    return {
        "id": row.id, "buyer": {"id": row.buyer_id, "name": known.get(row.buyer_id, "")},
        "sector": row.sector_code, "department": row.department, "quantity": row.quantity,
        "supplier": {"id": row.supplier_id, "name": row.supplier.name},
        "chosen": row.supplier_id, "offer_id": row.offer_id, "order_id": row.order_id,
        "value": amount(row.value_minor), "currency": catalogue.CURRENCY, "seed": row.seed,
        "candidates": [{"member": {"id": c["member_id"], "name": known.get(c["member_id"], "")},
                        "offer_id": c["offer_id"], "received": amount(c["received_minor"])}
                       for c in row.candidates],
        "verified": catalogue.verified(row),
        "created_at": row.created_at.isoformat(),
    }


@blp.get("/catalogue/candidates")
@blp.arguments(CatalogueCandidateArgsSchema, location="query")
@blp.response(200, CataloguePreviewSchema)
def preview_candidates(args: dict):
    """The structures a purchase would go to, least served first (for buyers: the seed that
    breaks ties is drawn when the purchase is placed)."""
    sector, department = catalogue.checked_request(args)
    found = catalogue.candidates(db.session, sector, department, args["quantity"], now_utc(),
                                 exclude=frozenset(reading_buyers()))
    threshold = settings(db.session).catalogue_threshold_minor
    kept = [c for c in found if c.value_minor <= threshold]
    least = min((c.received_minor for c in kept), default=None)
    return {
        "sector": sector, "department": department, "quantity": args["quantity"],
        "currency": catalogue.CURRENCY, "threshold": amount(threshold),
        "over_threshold": len(found) - len(kept),
        "items": [{"member": {"id": c.member.id, "name": c.member.name},
                   "offer_id": c.offer.id, "offer_title": c.offer.title, "unit": c.offer.unit,
                   "unit_price": amount(c.offer.price_minor), "value": amount(c.value_minor),
                   "received": amount(c.received_minor),
                   "least_served": c.received_minor == least} for c in kept],
    }


@blp.post("/catalogue/purchases")
@blp.arguments(CataloguePurchaseInSchema)
@blp.response(201, CataloguePurchaseSchema)
def place_purchase(data: dict):
    """Give a purchase under the network's threshold to the least-served eligible structure
    (``?member=``: the buyer, if the caller buys for several) and order its offer."""
    begin_write(db.session)
    buyer = writing_member(db.session, request.args.get("member"), BUYERS)
    row = catalogue.purchase(db.session, buyer, current_user.id, data, now_utc())
    body = purchase_data(row)
    db.session.commit()
    return body


@blp.get("/catalogue/purchases")
@blp.arguments(CataloguePurchaseListArgsSchema, location="query")
@blp.response(200, CataloguePurchasePageSchema)
def list_purchases(args: dict):
    """The caller's buyers' purchases, oldest first (a network admin's: every buyer's)."""
    everyone = current_user.has_role(Role.network_admin)
    page = catalogue.list_purchases(db.session, None if everyone else reading_buyers(),
                                    limit=args["limit"], cursor=args["cursor"])
    return {"items": [purchase_data(p) for p in page.items], "next_cursor": page.next_cursor}


@blp.get("/catalogue/purchases/<int:purchase_id>")
@blp.response(200, CataloguePurchaseSchema)
def get_purchase(purchase_id: int):
    """A purchase, for its buyer, the structure that got it and network admins, with
    ``verified``: the rotation re-run on its candidates and seed."""
    row = catalogue.visible_purchase(db.session, purchase_id,
                                     reading_buyers() | own_members(),
                                     everyone=current_user.has_role(Role.network_admin))
    return purchase_data(row)


protect(blp, {
    "preview_candidates": a_buyer,
    "place_purchase": a_buyer,  # for an active buyer the caller buys for (writing_member)
    "list_purchases": any_of(a_buyer, network(Role.network_admin)),
    "get_purchase": signed_in,  # its buyer, its supplier, network admins (visible_purchase)
})
