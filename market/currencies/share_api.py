"""JSON API of cooperative shares: subscriptions, calls, withdrawals, the register."""

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

import ledger
from ledger import idempotency as ledger_idempotency
from market.currencies import shares
from market.currencies.share_access import HOLDERS, keeps_register, manages
from market.offers.models import Offer
from market.offers.viewer import writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury.schemas import InputSchema, amount, text
from market.web.access import protect, signed_in
from market.web.errors import AppError, NotFound, ValidationError
from market.web.idempotency import HEADER_DOC, current, idempotent
from market.web.jsonapi import Blueprint
from market.web.path_ids import ROW_ID, ROW_MAX_ID
from market.web.refusals import STATUS_BY_CODE, app_error, as_refusal

blp = Blueprint("shares_api", __name__, url_prefix="/api/v1",
                description="Cooperative shares and their register")

UNITS = validate.Range(min=1, max=10**9)


class ShareSubscriptionInSchema(InputSchema):
    shares = fields.Integer(strict=True, required=True, validate=UNITS)
    #: Euros paid now: at least a quarter of the nominal total, at most all of it.
    paid = amount(required=True)


class ShareCallInSchema(InputSchema):
    #: Euros called per share.
    per_share = amount(required=True)


class SharePaymentInSchema(InputSchema):
    amount = amount(required=True)


class ShareRequestInSchema(InputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["withdrawal", "transfer"]))
    shares = fields.Integer(strict=True, required=True, validate=UNITS)
    to_member = fields.Integer(strict=True, load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=ROW_MAX_ID))


class ShareDecisionInSchema(InputSchema):
    reason = text(0, 2000, free=True, load_default="")


class ShareEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    member_id = fields.Integer()
    counterparty_id = fields.Integer(allow_none=True)
    shares = fields.Integer()
    paid = fields.String()
    called_unpaid = fields.String()
    uncalled = fields.String()
    transfer_id = fields.Integer()
    at = fields.String()


class ShareEventListSchema(Schema):
    items = fields.List(fields.Nested(ShareEventSchema))


class ShareRequestSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    cooperative_id = fields.Integer()
    member_id = fields.Integer()
    to_member_id = fields.Integer(allow_none=True)
    shares = fields.Integer()
    status = fields.String()
    transfer_id = fields.Integer(allow_none=True)


class ShareHolderSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    shares = fields.Integer()
    paid = fields.String()
    called_unpaid = fields.String()
    uncalled = fields.String()
    since = fields.String()
    last_event = fields.String()


class ShareRegisterSchema(Schema):
    cooperative_id = fields.Integer()
    share_currency = fields.String()
    nominal = fields.String()
    shares = fields.Integer()
    subscribed = fields.String()
    highest_capital = fields.String()
    holders = fields.List(fields.Nested(ShareHolderSchema))
    events = fields.List(fields.Nested(ShareEventSchema))


def euros(minor: int) -> str:
    return ledger.format_amount(minor, 2)


def euro_amount(raw: str, name: str) -> int:
    try:
        return ledger.parse_amount(raw, 2)
    except ledger.InvalidAmount:
        raise ValidationError({name: [_("Un montant positif en euros, deux décimales : "
                                        "\"12.50\".")]}) from None


def event_data(e) -> dict:
    return {"id": e.id, "kind": e.kind, "member_id": e.member_id,
            "counterparty_id": e.counterparty_id, "shares": e.units, "paid": euros(e.paid),
            "called_unpaid": euros(e.called), "uncalled": euros(e.uncalled),
            "transfer_id": e.transfer_id, "at": e.at.isoformat()}


def request_data(r) -> dict:
    return {"id": r.id, "kind": r.kind, "cooperative_id": r.cooperative_id,
            "member_id": r.member_id, "to_member_id": r.to_member_id, "shares": r.units,
            "status": r.status, "transfer_id": r.transfer_id}


def register_data(data: dict) -> dict:
    capital = data["capital"]
    return {"cooperative_id": capital.member_id, "share_currency": capital.share_code,
            "nominal": euros(capital.nominal_minor), "shares": data["units"],
            "subscribed": euros(data["subscribed"]), "highest_capital": euros(data["highest"]),
            "holders": [{"member_id": h["member_id"], "name": h["name"], "shares": h["units"],
                         "paid": euros(h["paid"]), "called_unpaid": euros(h["called"]),
                         "uncalled": euros(h["uncalled"]), "since": h["since"].isoformat(),
                         "last_event": h["last"].isoformat()} for h in data["holders"]],
            "events": [event_data(e) for e in data["events"]]}


def as_people_read(refusal: ledger.LedgerError) -> AppError:
    """A refusal stored as people read it (as_refusal), answered again as it was."""
    found = AppError(refusal.message, dict(refusal.details), code=refusal.code)
    found.status = STATUS_BY_CODE.get(refusal.code, refusal.http_status)
    return found


def write(operation: str, work):
    """Run one writing use case in one transaction, once per Idempotency-Key: its response
    is stored by the ledger's key store in the same transaction (market.orders.api.once);
    a refusal is stored too, with nothing else written."""
    begin_write(db.session)
    conn = db.session.connection()

    def attempt(_conn):
        try:
            return work()
        except AppError as error:
            db.session.expire_all()  # nothing of the refused use case may reach the commit
            raise as_refusal(error) from None
        except ledger.LedgerError as error:
            db.session.expire_all()
            raise as_refusal(app_error(error)) from None
        except BaseException:
            db.session.expire_all()
            raise

    try:
        result = ledger_idempotency.run(conn, operation, None, current(), attempt)
    except ledger.LedgerError as error:
        db.session.commit()  # the key with its refusal; the refused use case rolled back
        raise as_people_read(error) from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def moves_money(view):
    """Document and honour Idempotency-Key."""
    return blp.doc(parameters=[HEADER_DOC])(idempotent(view, as_people_read))


def offer_or_404(offer_id: int) -> Offer:
    found = db.session.get(Offer, offer_id) if offer_id < 2**31 else None
    if found is None:
        raise NotFound(_("Offre introuvable."))
    return found


@blp.post(f"/offers/<{ROW_ID}:offer_id>/subscriptions")
@moves_money
@blp.arguments(ShareSubscriptionInSchema)
@blp.response(201, ShareEventSchema)
def subscribe(data: dict, offer_id: int):
    """Subscribe shares of a share offer: euros paid now, the rest uncalled, units issued."""
    def work():
        subscriber = writing_member(db.session, request.args.get("member"), HOLDERS)
        paid = euro_amount(data["paid"], "paid")
        return event_data(shares.subscribe(db.session, offer_or_404(offer_id), subscriber,
                                           data["shares"], paid, by=current_user.id))
    return write("shares.subscribe", work)


@blp.post(f"/members/<{ROW_ID}:member_id>/share-calls")
@moves_money
@blp.arguments(ShareCallInSchema)
@blp.response(201, ShareEventListSchema)
def call_capital(data: dict, member_id: int):
    """Call part of the uncalled capital, the same amount per share from every holder."""
    if not manages(current_user, member_id):
        raise NotFound(_("Cette structure n'a pas de capital en parts."))

    def work():
        per_share = euro_amount(data["per_share"], "per_share")
        made = shares.call(db.session, member_id, per_share, by=current_user.id)
        return {"items": [event_data(e) for e in made]}
    return write("shares.call", work)


@blp.post(f"/members/<{ROW_ID}:member_id>/share-payments")
@moves_money
@blp.arguments(SharePaymentInSchema)
@blp.response(201, ShareEventSchema)
def pay_call(data: dict, member_id: int):
    """Pay (part of) what the cooperative called from the caller's member."""
    def work():
        holder = writing_member(db.session, request.args.get("member"), HOLDERS)
        paid = euro_amount(data["amount"], "amount")
        return event_data(shares.pay_call(db.session, member_id, holder.id, paid,
                                          by=current_user.id))
    return write("shares.pay_call", work)


@blp.post(f"/members/<{ROW_ID}:member_id>/share-requests")
@moves_money
@blp.arguments(ShareRequestInSchema)
@blp.response(201, ShareRequestSchema)
def ask(data: dict, member_id: int):
    """Ask the cooperative to approve a withdrawal or a transfer of the caller's shares."""
    def work():
        holder = writing_member(db.session, request.args.get("member"), HOLDERS)
        return request_data(shares.ask(db.session, member_id, holder.id, data["kind"],
                                       data["shares"], by=current_user.id,
                                       to_member=data["to_member"]))
    return write("shares.ask", work)


@blp.post(f"/share-requests/<{ROW_ID}:request_id>/<any(approve, refuse):decision>")
@moves_money
@blp.arguments(ShareDecisionInSchema)
@blp.response(200, ShareRequestSchema)
def decide(data: dict, request_id: int, decision: str):
    """The cooperative approves (repaid at nominal, or transferred) or refuses a request."""
    def work():
        mine = current_user.member_ids(*HOLDERS)
        found = shares.request_of(db.session, request_id, mine)
        return request_data(shares.decide(db.session, found, decision == "approve",
                                          by=current_user.id, reason=data["reason"]))
    return write("shares.decide", work)


def readable_register(member_id: int) -> dict:
    if not keeps_register(current_user, member_id):
        raise NotFound(_("Cette structure n'a pas de capital en parts."))
    return shares.register(db.session, member_id)


@blp.get(f"/members/<{ROW_ID}:member_id>/share-register")
@blp.response(200, ShareRegisterSchema)
def share_register(member_id: int):
    """The cooperative's register: holders, units, paid and unpaid, dates, every event."""
    return register_data(readable_register(member_id))


@blp.get(f"/members/<{ROW_ID}:member_id>/share-register.csv")
@blp.response(200, {"type": "string"}, content_type="text/csv")
def share_register_csv(member_id: int):
    """The register as CSV, for the general assembly."""
    body = shares.register_csv(readable_register(member_id))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="registre-parts-{member_id}.csv"'})


protect(blp, {
    "subscribe": signed_in,  # for a member the caller treasures (viewer.writing_member)
    "call_capital": signed_in,  # the cooperative's treasurers and admins (else 404)
    "pay_call": signed_in,
    "ask": signed_in,
    "decide": signed_in,  # the cooperative's treasurers and admins (services.request_of)
    "share_register": signed_in,  # the cooperative's and the network's treasurers (else 404)
    "share_register_csv": signed_in,
})
