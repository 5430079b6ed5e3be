"""JSON API of redemptions: a member asks to convert backed units to euros, a network
treasurer approves (the euros are paid) or refuses (the hold is voided)."""

from flask_login import current_user
from marshmallow import Schema, fields, validate

import ledger
from market.auth.access import network
from market.auth.roles import Role
from market.payments import redemptions
from market.payments.redemption_models import RedemptionStatus
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.schemas import InputSchema, amount, text
from market.web import refusals
from market.web.access import protect
from market.web.errors import render_error
from market.web.idempotency import HEADER_DOC, idempotent
from market.web.jsonapi import Blueprint
from market.web.once import once
from market.web.path_ids import ROW_ID

blp = Blueprint("redemptions_api", __name__, url_prefix="/api/v1",
                description="Redemption of backed currency for euros")



class RedemptionInSchema(InputSchema):
    """Units of one of the caller's backed-currency accounts to convert to euros."""

    account = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=2**31 - 1))
    amount = amount(required=True)


class RedemptionApprovalSchema(InputSchema):
    payout_reference = text(1, 200, required=True,
                            metadata={"example": "VIR-2026-12-0042"})


class RedemptionRefusalSchema(InputSchema):
    reason = text(1, 500, free=True, required=True)


class RedemptionQueryArgsSchema(InputSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in RedemptionStatus]))


class RedemptionSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    account = fields.Integer()
    currency = fields.String()
    amount = fields.String()
    fee = fields.String()
    euros = fields.String()
    status = fields.String()
    hold_transfer_id = fields.Integer()
    payout_transfer_id = fields.Integer(allow_none=True)
    payout_reference = fields.String(allow_none=True)
    refusal_reason = fields.String(allow_none=True)
    requested_at = fields.String()
    decided_at = fields.String(allow_none=True)


class RedemptionListSchema(Schema):
    items = fields.List(fields.Nested(RedemptionSchema))
    next_cursor = fields.String(allow_none=True)


@blp.errorhandler(ledger.LedgerError)
def render_refusal(error: ledger.LedgerError):
    """Answer a ledger refusal with the CONVENTIONS error body."""
    mapped = refusals.app_error(error)
    return render_error(mapped.status, mapped.code, mapped.message, mapped.details)


def _members() -> frozenset[int] | None:
    """The members whose redemptions the caller reads (None: all, network roles)."""
    viewer = policy.Viewer.of(current_user)
    return None if viewer.network else viewer.readers


@blp.post("/redemptions")
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(RedemptionInSchema)
@blp.response(201, RedemptionSchema)
def request_redemption(data: dict):
    """Ask to convert backed units to euros: the units are held until a treasurer decides."""
    viewer = policy.Viewer.of(current_user)
    return once("redemption.request", lambda: redemptions.redemption_data(
        db.session, redemptions.request_redemption(
            db.session, account_id=data["account"], amount=data["amount"],
            movers=viewer.movers, by=current_user.id, placed_by=policy.actor(current_user))))


@blp.get("/redemptions")
@blp.arguments(RedemptionQueryArgsSchema, location="query")
@blp.response(200, RedemptionListSchema)
def list_redemptions(args: dict):
    """Redemptions, newest first: the caller's members', or all for network treasurers."""
    found = redemptions.list_redemptions(db.session, members=_members(),
                                         status=args.get("status"))
    return {"items": [redemptions.redemption_data(db.session, r) for r in found],
            "next_cursor": None}


@blp.get(f"/redemptions/<{ROW_ID}:redemption_id>")
@blp.response(200, RedemptionSchema)
def get_redemption(redemption_id: int):
    """One redemption."""
    found = redemptions.readable(db.session, redemption_id, _members())
    return redemptions.redemption_data(db.session, found)


@blp.post(f"/redemptions/<{ROW_ID}:redemption_id>/approve")
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(RedemptionApprovalSchema)
@blp.response(200, RedemptionSchema)
def approve(data: dict, redemption_id: int):
    """Approve: post the hold and pay the euros from the reserve (network treasurers)."""
    return once("redemption.approve", lambda: redemptions.redemption_data(
        db.session, redemptions.approve(db.session, redemption_id,
                                        payout_reference=data["payout_reference"],
                                        by=current_user.id)))


@blp.post(f"/redemptions/<{ROW_ID}:redemption_id>/refuse")
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(RedemptionRefusalSchema)
@blp.response(200, RedemptionSchema)
def refuse(data: dict, redemption_id: int):
    """Refuse: void the hold, the units are the member's to spend again (network treasurers)."""
    return once("redemption.refuse", lambda: redemptions.redemption_data(
        db.session, redemptions.refuse(db.session, redemption_id, reason=data["reason"],
                                       by=current_user.id)))


protect(blp, {
    "request_redemption": policy.is_money_mover,
    "list_redemptions": policy.is_ledger_reader,
    "get_redemption": policy.is_ledger_reader,
    "approve": network(Role.network_treasurer, Role.network_admin),
    "refuse": network(Role.network_treasurer, Role.network_admin),
})
