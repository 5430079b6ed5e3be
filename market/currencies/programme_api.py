"""JSON API of social currency programmes (network admins), members' payments in a currency
with their merchant fee and donation, and members' donation rules."""

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

import ledger
from ledger.lookups import MAX_ID
from market.auth.access import member, network
from market.auth.roles import Role
from market.currencies import governance, member_payments, programmes
from market.currencies.programme_models import DonationRule, Programme, ProgrammePeriod
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.schemas import InputSchema, TransferSchema, amount, text
from market.web import refusals
from market.web.access import protect
from market.web.errors import render_error
from market.web.idempotency import HEADER_DOC, current, idempotent
from market.web.jsonapi import Blueprint
from market.web.path_ids import LEDGER_ID, ROW_ID

blp = Blueprint("programmes_api", __name__, url_prefix="/api/v1",
                description="Social currency programmes and payments")

CODE = "string(maxlength=16)"


def account_field(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class ProgrammeInSchema(InputSchema):
    """A programme: each period, ``amount`` to every recipient, from the issuing account."""

    name = text(1, 200, required=True, metadata={"example": "Allocation Mumbuca"})
    currency = text(1, 16, required=True, metadata={"example": "EUSKO"})
    issuing_account = account_field(load_default=None, allow_none=True, metadata={
        "description": "Default: the currency's issuance account."})
    amount = amount(required=True)
    period = fields.String(required=True,
                           validate=validate.OneOf([p.value for p in ProgrammePeriod]))
    start_date = fields.Date(required=True)
    active = fields.Boolean(load_default=True)


class ProgrammePatchSchema(InputSchema):
    """What changes on a programme: its name, or whether it pays."""

    name = text(1, 200)
    active = fields.Boolean()


class ProgrammeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    currency = fields.String()
    issuing_account = fields.Integer()
    amount = fields.String()
    period = fields.String()
    start_date = fields.Date()
    active = fields.Boolean()
    recipients = fields.Integer()


class ProgrammeListSchema(Schema):
    items = fields.List(fields.Nested(ProgrammeSchema))
    next_cursor = fields.String(allow_none=True)


class ProgrammeRecipientsInSchema(InputSchema):
    """Ledger accounts in the programme's currency to pay from now on (1 to 10,000)."""

    accounts = fields.List(account_field(), required=True,
                           validate=validate.Length(min=1, max=programmes.MAX_ADDED))


class ProgrammeRecipientsSchema(Schema):
    added = fields.Integer()
    items = fields.List(fields.Integer())
    next_cursor = fields.String(allow_none=True)


class CurrencyPaymentInSchema(InputSchema):
    """A payment from one of the caller's member accounts to another member's."""

    from_account = account_field(required=True)
    to_account = account_field(required=True)
    amount = amount(required=True)
    description = text(0, 500, load_default="")


class DonationRuleInSchema(InputSchema):
    """A share of the member's payments in the currency, given to an association (0: none)."""

    association_member_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                           validate=validate.Range(min=1, max=2**31 - 1))
    rate_bp = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=0, max=10_000),
                             metadata={"description": "Basis points: 10000 is 100 %."})


class DonationRuleSchema(Schema):
    member_id = fields.Integer()
    currency = fields.String()
    association_member_id = fields.Integer(allow_none=True)
    rate_bp = fields.Integer()


@blp.errorhandler(ledger.LedgerError)
def render_refusal(error: ledger.LedgerError):
    """Answer a ledger refusal with the CONVENTIONS error body."""
    mapped = refusals.app_error(error)
    return render_error(mapped.status, mapped.code, mapped.message, mapped.details)


def shown(found: Programme) -> dict:
    scale = governance.currency_of(db.session, found.currency)["scale"]
    return {"id": found.id, "name": found.name, "currency": found.currency,
            "issuing_account": found.issuing_account_id,
            "amount": ledger.format_amount(found.amount, scale), "period": found.period,
            "start_date": found.start_date, "active": found.active,
            "recipients": len(programmes.recipient_ids(db.session, found.id))}


@blp.post("/programmes")
@blp.arguments(ProgrammeInSchema)
@blp.response(201, ProgrammeSchema)
def create_programme(data: dict):
    """Define a social currency programme (network admins)."""
    begin_write(db.session)
    created = programmes.create_programme(db.session, data, by=current_user.id)
    db.session.commit()
    return shown(created)


@blp.get("/programmes")
@blp.response(200, ProgrammeListSchema)
def list_programmes():
    """Every programme, by id."""
    found = db.session.scalars(select(Programme).order_by(Programme.id))
    return {"items": [shown(p) for p in found], "next_cursor": None}


@blp.get(f"/programmes/<{ROW_ID}:programme_id>")
@blp.response(200, ProgrammeSchema)
def get_programme(programme_id: int):
    """One programme."""
    return shown(programmes.get_programme(db.session, programme_id))


@blp.patch(f"/programmes/<{ROW_ID}:programme_id>")
@blp.arguments(ProgrammePatchSchema)
@blp.response(200, ProgrammeSchema)
def update_programme(data: dict, programme_id: int):
    """Rename, pause or resume a programme."""
    begin_write(db.session)
    updated = programmes.update_programme(db.session, programme_id, data)
    db.session.commit()
    return shown(updated)


@blp.post(f"/programmes/<{ROW_ID}:programme_id>/recipients")
@blp.arguments(ProgrammeRecipientsInSchema)
@blp.response(200, ProgrammeRecipientsSchema)
def add_recipients(data: dict, programme_id: int):
    """Add recipient accounts (those already there are kept once)."""
    begin_write(db.session)
    added = programmes.add_recipients(db.session, programme_id, data["accounts"])
    db.session.commit()
    return {"added": added, "items": programmes.recipient_ids(db.session, programme_id),
            "next_cursor": None}


@blp.get(f"/programmes/<{ROW_ID}:programme_id>/recipients")
@blp.response(200, ProgrammeRecipientsSchema)
def list_recipients(programme_id: int):
    """The accounts a programme pays."""
    programmes.get_programme(db.session, programme_id)
    return {"added": 0, "items": programmes.recipient_ids(db.session, programme_id),
            "next_cursor": None}


@blp.delete(f"/programmes/<{ROW_ID}:programme_id>/recipients/<{LEDGER_ID}:account_id>")
@blp.response(204)
def remove_recipient(programme_id: int, account_id: int):
    """Stop paying an account."""
    begin_write(db.session)
    programmes.remove_recipient(db.session, programme_id, account_id)
    db.session.commit()


def moves_money(view):
    """Document and honour Idempotency-Key."""
    return blp.doc(parameters=[HEADER_DOC])(idempotent(view, refusals.app_error))


@blp.post("/currency-payments")
@moves_money
@blp.arguments(CurrencyPaymentInSchema)
@blp.response(201, TransferSchema)
def pay(data: dict):
    """Pay another member in a currency: payment, merchant fee and donation in one transfer."""
    begin_write(db.session)
    viewer = policy.Viewer.of(current_user)
    try:
        moved = member_payments.pay(db.session, **data, movers=set(viewer.movers),
                                    placed_by=policy.actor(current_user), key=current)
    except ledger.LedgerError as error:
        db.session.commit()  # the key with its refusal; the refused transfer rolled back
        raise refusals.app_error(error) from None
    db.session.commit()
    return moved


@blp.put(f"/members/<{ROW_ID}:member_id>/donation-rules/<{CODE}:code>")
@blp.arguments(DonationRuleInSchema)
@blp.response(200, DonationRuleSchema)
def set_donation_rule(data: dict, member_id: int, code: str):
    """Choose the association the member gives a share of its payments in ``code`` to."""
    begin_write(db.session)
    rule = member_payments.set_donation_rule(db.session, member_id, code,
                                             data["association_member_id"], data["rate_bp"])
    db.session.commit()
    return {"member_id": member_id, "currency": code,
            "association_member_id": rule.association_member_id if rule else None,
            "rate_bp": rule.rate_bp if rule else 0}


@blp.get(f"/members/<{ROW_ID}:member_id>/donation-rules/<{CODE}:code>")
@blp.response(200, DonationRuleSchema)
def get_donation_rule(member_id: int, code: str):
    """The member's donation rule in ``code`` (rate 0: none)."""
    governance.policy_of(db.session, code)
    rule = db.session.get(DonationRule, (member_id, code))
    return {"member_id": member_id, "currency": code,
            "association_member_id": rule.association_member_id if rule else None,
            "rate_bp": rule.rate_bp if rule else 0}


admins = network(Role.network_admin)
protect(blp, {
    "create_programme": admins,
    "list_programmes": admins,
    "get_programme": admins,
    "update_programme": admins,
    "add_recipients": admins,
    "list_recipients": admins,
    "remove_recipient": admins,
    "pay": policy.is_money_mover,  # from the caller's own members' accounts only (service)
    "set_donation_rule": member(Role.member_admin),
    "get_donation_rule": member(Role.member_admin, Role.member_treasurer, acting="read"),
})
