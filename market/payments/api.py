"""JSON API of euro top-ups: create one (the PaymentIntent made by the server), read it.

The PaymentIntent is created before the write transaction opens (a SQLite write lock is
never held while Stripe answers), once per our reference: with an ``Idempotency-Key`` the
reference derives from it, so a retry reaches the same PaymentIntent at Stripe and the
stored response is replayed.
"""

from flask import current_app, request
from flask_login import current_user
from marshmallow import Schema, fields, validate

import ledger
from ledger import idempotency as ledger_idempotency
from market.payments import gateway, topups
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury.schemas import InputSchema, amount
from market.web.access import protect, signed_in
from market.web.errors import Conflict
from market.web.idempotency import HEADER, HEADER_DOC, current, idempotent
from market.web.jsonapi import Blueprint
from market.web.path_ids import ROW_ID
from market.web.refusals import app_error

blp = Blueprint("payments_api", __name__, url_prefix="/api/v1",
                description="Euro top-ups through Stripe")
TOPPERS = topups.TOPPERS


class TopUpInSchema(InputSchema):
    """A top-up: which of your accounts, how many units of its currency."""

    account = fields.Integer(strict=True, required=True,
                             validate=validate.Range(min=1, max=2**62))
    amount = amount(required=True)


class TopUpSchema(Schema):
    """A top-up and where it stands; ``client_secret`` is for Stripe.js while payable."""

    id = fields.Integer()
    status = fields.String(metadata={"enum": ["created", "succeeded", "failed", "refunded"]})
    payment_intent = fields.String()
    client_secret = fields.String(allow_none=True)
    account = fields.Integer()
    currency = fields.String()
    amount = fields.String()
    euros = fields.String()
    reference = fields.String()
    transfer_id = fields.Integer(allow_none=True)
    reversal_id = fields.Integer(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    created_at = fields.String()


@blp.post("/topups")
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(TopUpInSchema)
@blp.response(201, TopUpSchema)
def create_topup(data: dict):
    """Start a top-up: the PaymentIntent is created; Stripe's webhook credits the account."""
    reference = topups.reference_for(current_user.id, request.headers.get(HEADER))
    plan = topups.plan(db.session, current_user.member_ids(*TOPPERS), data["account"],
                       data["amount"], reference=reference)
    intent = None
    if topups.by_reference(db.session, reference) is None:  # else: a replay, answered below
        intent = gateway.of_app(current_app).create_intent(reference, plan.euro_cents,
                                                           topups.metadata(plan))
    begin_write(db.session)

    def work(_conn) -> dict:
        if intent is None:
            raise Conflict(topups.already_made())
        made = topups.record(db.session, plan, intent.id, intent.client_secret,
                             current_user.id)
        return topups.topup_data(made, plan.scale)

    try:
        result = ledger_idempotency.run(db.session.connection(), "topup.create", None,
                                        current(), work)
    except ledger.LedgerError as error:
        db.session.rollback()
        raise app_error(error) from None
    db.session.commit()
    return result


@blp.get(f"/topups/<{ROW_ID}:topup_id>")
@blp.response(200, TopUpSchema)
def get_topup(topup_id: int):
    """A top-up of one of the caller's members (another's is 404)."""
    topup = topups.get_topup(db.session, topup_id,
                             current_user.member_ids(*TOPPERS, acting="read"))
    return topups.topup_data(topup, topups.scale_of(db.session, topup.currency))


protect(blp, {
    "create_topup": topups.tops_up,  # on the caller's members' own accounts only (topups.plan)
    "get_topup": signed_in,  # the caller's members' only (topups.get_topup)
})
