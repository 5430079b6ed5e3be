"""JSON API of currency governance: a network admin creates currencies with their policy,
network treasurers grant credit lines (logged), members open their accounts."""

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

import ledger
from ledger.lookups import MAX_ID
from market.auth.access import network
from market.auth.roles import Role
from market.currencies import governance
from market.currencies.models import WHOLE, CreditLineChange, CurrencyPolicy, DemurragePeriod
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.schemas import AccountSchema, InputSchema, amount, text
from market.web import refusals
from market.web.access import any_of, protect
from market.web.errors import render_error
from market.web.jsonapi import Blueprint

blp = Blueprint("currencies_api", __name__, url_prefix="/api/v1",
                description="Currency governance: policies and credit lines")

ID = f"int(min=1, max={MAX_ID})"


def rate(**kwargs) -> fields.Integer:
    """A rate in basis points (10,000 is 100 %)."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=WHOLE),
                          metadata={"description": "Basis points: 10000 is 100 %."}, **kwargs)


class PolicyRulesSchema(InputSchema):
    """The rules of a currency a network admin may set."""

    euro_parity = text(1, 24, metadata={"example": "1.000000",
                                        "description": "Euros for one unit, decimal string."})
    default_credit_line = amount()
    redemption_fee_bp = rate()
    merchant_fee_bp = rate()
    demurrage_rate_bp = rate()
    demurrage_free_base = amount()
    demurrage_period = fields.String(allow_none=True,
                                     validate=validate.OneOf([p.value for p in DemurragePeriod]))


class CurrencyPolicyInSchema(PolicyRulesSchema):
    """A new currency of a network: mutual credit, euro-backed, or a cooperative's shares."""

    code = text(1, 16, required=True, metadata={"example": "EUSKO"})
    name = text(1, 100, required=True)
    scale = fields.Integer(required=True, strict=True,
                           metadata={"description": "Decimals, 0 to 6."})
    kind = fields.String(required=True, validate=validate.OneOf(governance.KINDS))
    network_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                validate=validate.Range(min=1, max=2**31 - 1))


class CurrencyPolicySchema(Schema):
    """A currency with its policy; amounts as decimal strings in the currency's scale."""

    code = fields.String()
    name = fields.String()
    scale = fields.Integer()
    kind = fields.String()
    network_id = fields.Integer(allow_none=True)
    euro_parity = fields.String()
    default_credit_line = fields.String()
    issuance_account_id = fields.Integer(allow_none=True)
    reserve_account_id = fields.Integer(allow_none=True)
    redemption_fee_bp = fields.Integer()
    fee_account_id = fields.Integer(allow_none=True)
    merchant_fee_bp = fields.Integer()
    fund_account_id = fields.Integer(allow_none=True)
    demurrage_rate_bp = fields.Integer()
    demurrage_free_base = fields.String()
    demurrage_period = fields.String(allow_none=True)
    commons_account_id = fields.Integer(allow_none=True)


class CurrencyPolicyListSchema(Schema):
    items = fields.List(fields.Nested(CurrencyPolicySchema))
    next_cursor = fields.String(allow_none=True)


class CreditLineInSchema(InputSchema):
    """A credit line: the most the account may owe, as a positive amount, and why."""

    credit_line = amount(required=True)
    reason = text(1, 500, free=True, required=True)


class CreditLineChangeSchema(Schema):
    id = fields.Integer()
    account_id = fields.Integer()
    currency = fields.String()
    old_line = fields.String()
    new_line = fields.String()
    reason = fields.String()
    changed_by = fields.Integer(allow_none=True)
    changed_at = fields.String()


class CreditLineChangeListSchema(Schema):
    items = fields.List(fields.Nested(CreditLineChangeSchema))
    next_cursor = fields.String(allow_none=True)


class MemberAccountInSchema(InputSchema):
    member_id = fields.Integer(required=True, strict=True,
                               validate=validate.Range(min=1, max=2**31 - 1))


@blp.errorhandler(ledger.LedgerError)
def render_refusal(error: ledger.LedgerError):
    """Answer a ledger refusal with the CONVENTIONS error body."""
    mapped = refusals.app_error(error)
    return render_error(mapped.status, mapped.code, mapped.message, mapped.details)


def shown(found: CurrencyPolicy) -> dict:
    """A policy with its ledger currency, amounts as decimal strings."""
    currency = governance.currency_of(db.session, found.code)
    scale = currency["scale"]
    return {**currency, "network_id": found.network_id,
            "euro_parity": f"{found.euro_parity:.6f}",
            "default_credit_line": ledger.format_amount(found.default_credit_line, scale),
            "demurrage_free_base": ledger.format_amount(found.demurrage_free_base, scale),
            **{name: getattr(found, name) for name in (
                "issuance_account_id", "reserve_account_id", "redemption_fee_bp",
                "fee_account_id", "merchant_fee_bp", "fund_account_id", "demurrage_rate_bp",
                "demurrage_period", "commons_account_id")}}


@blp.get("/currency-policies")
@blp.response(200, CurrencyPolicyListSchema)
def list_policies():
    """Every governed currency with its policy, by code."""
    found = db.session.scalars(select(CurrencyPolicy).order_by(CurrencyPolicy.code))
    return {"items": [shown(p) for p in found], "next_cursor": None}


@blp.get("/currency-policies/<string(maxlength=16):code>")
@blp.response(200, CurrencyPolicySchema)
def get_policy(code: str):
    """One currency's policy."""
    return shown(governance.policy_of(db.session, code))


@blp.post("/currency-policies")
@blp.arguments(CurrencyPolicyInSchema)
@blp.response(201, CurrencyPolicySchema)
def create_policy(data: dict):
    """Create a network's currency with its system accounts and policy (network admins)."""
    begin_write(db.session)
    created = governance.create_currency(db.session, by=current_user.id, **data)
    db.session.commit()
    return shown(created)


@blp.patch("/currency-policies/<string(maxlength=16):code>")
@blp.arguments(PolicyRulesSchema)
@blp.response(200, CurrencyPolicySchema)
def update_policy(data: dict, code: str):
    """Change a currency's rules (network admins)."""
    begin_write(db.session)
    updated = governance.update_policy(db.session, code, data, by=current_user.id)
    db.session.commit()
    return shown(updated)


@blp.post("/currency-policies/<string(maxlength=16):code>/accounts")
@blp.arguments(MemberAccountInSchema)
@blp.response(201, AccountSchema)
def open_account(data: dict, code: str):
    """Open a member's account in this currency, with the default credit line."""
    viewer = policy.Viewer.of(current_user)
    if not (viewer.network or data["member_id"] in viewer.admins):
        raise policy.not_found()
    begin_write(db.session)
    governance.policy_of(db.session, code)
    account_id = governance.open_member_account(db.session, data["member_id"], code)
    db.session.commit()
    return policy.with_owner(ledger.get_account(db.session.connection(), account_id))


@blp.put(f"/accounts/<{ID}:account_id>/credit-line")
@blp.arguments(CreditLineInSchema)
@blp.response(200, AccountSchema)
def set_credit_line(data: dict, account_id: int):
    """Grant a mutual-credit account its line, logged with who and why (network treasurers)."""
    begin_write(db.session)
    account = governance.set_credit_line(db.session, account_id, data["credit_line"],
                                         reason=data["reason"], by=current_user.id)
    db.session.commit()
    return policy.with_owner(account)


@blp.get(f"/accounts/<{ID}:account_id>/credit-line-changes")
@blp.response(200, CreditLineChangeListSchema)
def credit_line_changes(account_id: int):
    """The log of an account's credit lines, newest first."""
    conn = db.session.connection()
    account = policy.readable_account(policy.Viewer.of(current_user), conn, account_id)
    scale = governance.currency_of(db.session, account["currency"])["scale"]
    found = db.session.scalars(select(CreditLineChange)
                               .where(CreditLineChange.account_id == account_id)
                               .order_by(CreditLineChange.id.desc()))
    return {"items": [{"id": c.id, "account_id": c.account_id, "currency": c.currency,
                       "old_line": ledger.format_amount(c.old_line, scale),
                       "new_line": ledger.format_amount(c.new_line, scale),
                       "reason": c.reason, "changed_by": c.changed_by,
                       "changed_at": c.changed_at.isoformat()} for c in found],
            "next_cursor": None}


protect(blp, {
    "list_policies": policy.is_ledger_reader,
    "get_policy": policy.is_ledger_reader,
    "create_policy": network(Role.network_admin),
    "update_policy": network(Role.network_admin),
    "open_account": any_of(network(Role.network_treasurer, Role.network_admin),
                           policy.is_account_opener),
    "set_credit_line": network(Role.network_treasurer, Role.network_admin),
    "credit_line_changes": policy.is_ledger_reader,
})
