"""JSON API of clearing between networks: agreements, trans-local payments, positions."""

from flask_login import current_user
from marshmallow import Schema, fields, validate

import ledger
from market.auth.access import network
from market.auth.roles import Role
from market.currencies import clearing
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.schemas import InputSchema, TransferSchema, amount, text
from market.web import refusals
from market.web.access import protect
from market.web.errors import render_error
from market.web.idempotency import HEADER_DOC, idempotent
from market.web.jsonapi import Blueprint
from market.web.once import once

blp = Blueprint("clearing_api", __name__, url_prefix="/api/v1",
                description="Trans-local clearing between networks")

ID = validate.Range(min=1, max=2**31 - 1)


class ClearingAgreementInSchema(InputSchema):
    """Two networks, the currency each runs, the rate (units of B per unit of A), the limit."""

    network_a_id = fields.Integer(required=True, strict=True, validate=ID)
    network_b_id = fields.Integer(required=True, strict=True, validate=ID)
    currency_a = text(1, 16, required=True, metadata={"example": "EUSKO"})
    currency_b = text(1, 16, required=True, metadata={"example": "SOL"})
    rate = text(1, 40, required=True, metadata={
        "example": "1.25", "description": "Units of B for one unit of A, decimal string."})
    #: How far each clearing account may go below zero, in A's currency (B's limit is it
    #: at the rate, rounded down).
    limit = amount(required=True)
    active = fields.Boolean(load_default=True)


class ClearingAgreementSchema(Schema):
    id = fields.Integer()
    network_a_id = fields.Integer()
    network_b_id = fields.Integer()
    currency_a = fields.String()
    currency_b = fields.String()
    rate = fields.String()
    limit_a = fields.String()
    limit_b = fields.String()
    account_a_id = fields.Integer()
    account_b_id = fields.Integer()
    active = fields.Boolean()
    created_at = fields.String()


class ClearingAgreementListSchema(Schema):
    items = fields.List(fields.Nested(ClearingAgreementSchema))
    next_cursor = fields.String(allow_none=True)


class ClearingPaymentInSchema(InputSchema):
    """A payment from one of the caller's accounts to a member of another network."""

    from_account = fields.Integer(required=True, strict=True, validate=ID)
    to_member = fields.Integer(required=True, strict=True, validate=ID)
    amount = amount(required=True)
    description = text(0, 500, load_default="")


class ClearingSideSchema(Schema):
    network_id = fields.Integer()
    network = fields.String()
    currency = fields.String()
    account_id = fields.Integer()
    balance = fields.String()
    balance_eur = fields.String()
    limit = fields.String()
    limit_used = fields.String()
    limit_used_bp = fields.Integer()
    owes = fields.String()
    owes_eur = fields.String()
    owed_to_network_id = fields.Integer(allow_none=True)


class ClearingPositionSchema(Schema):
    agreement_id = fields.Integer()
    active = fields.Boolean()
    rate = fields.String()
    sides = fields.List(fields.Nested(ClearingSideSchema))


class ClearingPositionListSchema(Schema):
    items = fields.List(fields.Nested(ClearingPositionSchema))


@blp.errorhandler(ledger.LedgerError)
def render_refusal(error: ledger.LedgerError):
    """Answer a ledger refusal with the CONVENTIONS error body."""
    mapped = refusals.app_error(error)
    return render_error(mapped.status, mapped.code, mapped.message, mapped.details)


@blp.get("/clearing/agreements")
@blp.response(200, ClearingAgreementListSchema)
def list_agreements():
    """Every clearing agreement between networks (network treasurers and admins)."""
    return {"items": [clearing.agreement_data(db.session, a)
                      for a in clearing.list_agreements(db.session)], "next_cursor": None}


@blp.post("/clearing/agreements")
@blp.arguments(ClearingAgreementInSchema)
@blp.response(201, ClearingAgreementSchema)
def create_agreement(data: dict):
    """Agree a rate and a clearing limit between two networks (network admins)."""
    begin_write(db.session)
    made = clearing.create_agreement(db.session, by=current_user.id, **data)
    db.session.commit()
    return clearing.agreement_data(db.session, made)


@blp.post("/clearing/payments")
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(ClearingPaymentInSchema)
@blp.response(201, TransferSchema)
def pay(data: dict):
    """Pay a member of another network: one transfer through both clearing accounts."""
    viewer = policy.Viewer.of(current_user)
    return once("clearing.pay", lambda: clearing.pay(
        db.session, movers=viewer.movers, placed_by=policy.actor(current_user), **data))


@blp.get("/clearing/positions")
@blp.response(200, ClearingPositionListSchema)
def positions():
    """What each network owes the other under each agreement, and the limit used."""
    return {"items": clearing.positions(db.session)}


protect(blp, {
    "list_agreements": network(Role.network_treasurer, Role.network_admin),
    "create_agreement": network(Role.network_admin),
    "pay": policy.is_money_mover,
    "positions": network(Role.network_treasurer, Role.network_admin),
})
