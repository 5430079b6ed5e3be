"""Top-up use cases: plan one (checks and exact amounts), record it with its PaymentIntent,
and book what Stripe's events say (credit, failure, refund), each event at most once.

Every function works in the caller's one session transaction; the ledger is called with
the session's connection, so the event, the top-up and the ledger rows commit together.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

import ledger
from market.auth.roles import Role
from market.currencies.models import CurrencyPolicy
from market.payments.models import EventOutcome, StripeEvent, TopUp, TopUpStatus
from market.treasury.owners import member_of, owner_ref
from market.web.errors import BusinessRuleError, NotFound, ValidationError

log = logging.getLogger(__name__)

EURO = "EUR"
#: The PaymentIntent's metadata key that names our top-up.
METADATA_KEY = "intercoop_topup"
#: Stripe takes at least 0.50 € a payment; above 10,000 € a transfer is the better way.
MIN_CENTS, MAX_CENTS = 50, 1_000_000
#: Who the ledger records as placing the transfers Stripe's events cause.
PLACED_BY = "stripe"
#: Who tops up a member's accounts (and reads its top-ups): its admins and treasurers.
TOPPERS = (Role.member_admin, Role.member_treasurer)


def tops_up(user, view_args=None) -> bool:
    """Access rule: admins and treasurers of an active member."""
    return user is not None and bool(user.member_ids(*TOPPERS))


def sees_topups(user, view_args=None) -> bool:
    """Access rule and header link: admins and treasurers of a member (suspended too: they
    read their top-ups)."""
    return user is not None and bool(user.member_ids(*TOPPERS, acting="read"))


@dataclass(frozen=True)
class Plan:
    """A checked top-up, ready for its PaymentIntent."""

    member_id: int
    account_id: int
    currency: str
    scale: int
    amount_minor: int
    euro_cents: int
    reference: str


def reference_for(user_id: int, key: str | None) -> str:
    """Our reference: derived from the caller's Idempotency-Key when given (a retry then
    reaches the same PaymentIntent at Stripe), else random."""
    if key is None:
        return "tu_" + secrets.token_hex(12)
    return "tu_" + hashlib.sha256(f"user:{user_id}\n{key}".encode()).hexdigest()[:24]


def invalid_amount(message: str) -> BusinessRuleError:
    return BusinessRuleError(message, {"field": "amount"}, code="invalid_amount")


def plan(session, member_ids: set[int], account_id: int, amount: str, *, reference: str) -> Plan:
    """Check a top-up of ``amount`` on ``account_id`` (one of ``member_ids``' own accounts,
    in euros or a backed currency) and work out its euros, exactly, in cents."""
    conn = session.connection()
    try:
        account = ledger.get_account(conn, account_id)
    except ledger.LedgerError:
        account = None
    member_id = member_of(account["owner_ref"]) if account else None
    if account is None or member_id not in member_ids:  # another's tells nothing more
        raise ValidationError({"account": [_("Aucun compte de votre structure ne porte ce "
                                             "numéro.")]})
    if account["status"] != "open":
        raise BusinessRuleError(_("Ce compte n'est pas ouvert."), {"account": account_id},
                                code="not_eligible")
    currency = next(c for c in ledger.list_currencies(conn) if c["code"] == account["currency"])
    policy = session.get(CurrencyPolicy, currency["code"])
    euro = session.get(CurrencyPolicy, EURO)
    rechargeable = euro is not None and policy is not None and (
        currency["code"] == EURO or currency["kind"] == "backed"
        and policy.reserve_account_id is not None)
    if not rechargeable:
        raise BusinessRuleError(_("Seuls les comptes en euros ou en monnaie adossée à l'euro "
                                  "se rechargent par carte."), {"account": account_id},
                                code="not_eligible")
    try:
        minor = ledger.parse_amount(amount, currency["scale"])
    except ledger.LedgerError:
        raise invalid_amount(_("Montant invalide : une chaîne décimale positive avec "
                               "exactement %(scale)s décimale(s).",
                               scale=currency["scale"])) from None
    exact = Decimal(minor) * policy.euro_parity * 100 / Decimal(10) ** currency["scale"]
    if exact != exact.to_integral_value():
        raise invalid_amount(_("Ce montant ne fait pas un nombre exact de centimes d'euro au "
                               "cours de %(parity)s € l'unité.",
                               parity=f"{policy.euro_parity.normalize():f}"))
    cents = int(exact)
    if not MIN_CENTS <= cents <= MAX_CENTS:
        raise invalid_amount(_("Une recharge va de 0,50 € à 10 000,00 €."))
    return Plan(member_id, account_id, currency["code"], currency["scale"], minor, cents,
                reference)


def rechargeable_accounts(session, member_ids: set[int]) -> list[dict]:
    """The members' open accounts a card can top up: in euros or a backed currency."""
    if not member_ids:
        return []
    conn = session.connection()
    kinds = {c["code"]: c["kind"] for c in ledger.list_currencies(conn)}
    backed = set(session.scalars(select(CurrencyPolicy.code).where(
        CurrencyPolicy.reserve_account_id.is_not(None))))
    if session.get(CurrencyPolicy, EURO) is None:
        return []
    found = ledger.list_accounts(conn, owner_refs=[owner_ref(m) for m in sorted(member_ids)])
    return [a for a in found if a["status"] == "open" and (
        a["currency"] == EURO or a["currency"] in backed and kinds.get(a["currency"]) == "backed")]


def metadata(plan_: Plan) -> dict:
    """What the PaymentIntent carries: our reference, and what it buys."""
    return {METADATA_KEY: plan_.reference, "account": str(plan_.account_id),
            "currency": plan_.currency, "amount_minor": str(plan_.amount_minor)}


def by_reference(session, reference: str) -> TopUp | None:
    return session.scalars(select(TopUp).where(TopUp.reference == reference)).first()


def record(session, plan_: Plan, intent_id: str, client_secret: str,
           user_id: int | None) -> TopUp:
    """Keep the top-up with its PaymentIntent, waiting for Stripe's word."""
    topup = TopUp(member_id=plan_.member_id, account_id=plan_.account_id,
                  currency=plan_.currency, amount_minor=plan_.amount_minor,
                  euro_cents=plan_.euro_cents, reference=plan_.reference,
                  payment_intent=intent_id, client_secret=client_secret,
                  status=TopUpStatus.created, created_by=user_id)
    session.add(topup)
    session.flush()
    return topup


def get_topup(session, topup_id: int, member_ids: set[int]) -> TopUp:
    """A top-up of one of ``member_ids``; any other answers as a missing one."""
    topup = session.get(TopUp, topup_id) if 0 < topup_id < 2**31 else None
    if topup is None or topup.member_id not in member_ids:
        raise NotFound(_("Recharge introuvable."))
    return topup


def topups_of(session, member_ids: set[int], limit: int = 50) -> list[TopUp]:
    """The members' latest top-ups, newest first."""
    if not member_ids:
        return []
    return list(session.scalars(select(TopUp).where(TopUp.member_id.in_(member_ids))
                                .order_by(TopUp.id.desc()).limit(limit)))


def scale_of(session, code: str) -> int:
    return next(c["scale"] for c in ledger.list_currencies(session.connection())
                if c["code"] == code)


# --- Stripe's events ---------------------------------------------------------------------

def handle_event(session, event: dict) -> str | None:
    """Book a verified Stripe event once; the outcome, or None when it is not for us (an
    unknown type or PaymentIntent: acknowledged, nothing stored)."""
    kind = event.get("type")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        return None
    obj = event["data"]["object"]
    intent_id = obj.get("id") if event["type"].startswith("payment_intent.") \
        else obj.get("payment_intent")
    if not isinstance(intent_id, str):
        return None
    # The top-up's row lock orders every event about it: a duplicate waits for the first.
    topup = session.scalars(select(TopUp).where(TopUp.payment_intent == intent_id)
                            .with_for_update()).first()
    if topup is None:
        log.info("Stripe event %s names PaymentIntent %s, none of ours", event["id"], intent_id)
        return None
    if session.get(StripeEvent, event["id"]) is not None:
        return "duplicate"
    outcome = handler(session, topup, obj)
    session.add(StripeEvent(id=event["id"], type=event["type"], topup_id=topup.id,
                            outcome=outcome))
    session.flush()
    return outcome


def matches(topup: TopUp, obj: dict, *, with_reference: bool = True) -> bool:
    """Whether the event's euros (and our reference) are the top-up's."""
    same = obj.get("amount") == topup.euro_cents and obj.get("currency") == "eur"
    if with_reference:
        metadata_ = obj.get("metadata")
        same = same and isinstance(metadata_, dict) \
            and metadata_.get(METADATA_KEY) == topup.reference
    if not same:
        log.warning("Stripe event for top-up %s does not match it (amount %r, currency %r): "
                    "ignored", topup.reference, obj.get("amount"), obj.get("currency"))
    return same


def succeeded(session, topup: TopUp, obj: dict) -> str:
    """Credit the member (and the reserve, for a backed currency) in one ledger transfer."""
    if not matches(topup, obj):
        return EventOutcome.mismatch
    if topup.status in (TopUpStatus.succeeded, TopUpStatus.refunded):
        return EventOutcome.ignored
    policy = session.get(CurrencyPolicy, topup.currency)
    euro = session.get(CurrencyPolicy, EURO)
    if topup.currency == EURO:
        postings = [{"from": euro.issuance_account_id, "to": topup.account_id,
                     "amount": topup.euro_cents}]
    else:
        postings = [{"from": policy.issuance_account_id, "to": topup.account_id,
                     "amount": topup.amount_minor},
                    {"from": euro.issuance_account_id, "to": policy.reserve_account_id,
                     "amount": topup.euro_cents}]
    moved = ledger.transfer(session.connection(), postings,
                            description=f"Recharge Stripe {topup.reference}",
                            reference=f"topup:{topup.reference}",
                            metadata={"topup": topup.id, "payment_intent": topup.payment_intent},
                            placed_by=PLACED_BY)
    topup.transfer_id = moved["id"]
    topup.status = TopUpStatus.succeeded
    topup.failure_reason = ""
    return EventOutcome.credited


def failed(session, topup: TopUp, obj: dict) -> str:
    """Mark a declined payment failed (a later success may still come: another card)."""
    if not matches(topup, obj):
        return EventOutcome.mismatch
    if topup.status not in (TopUpStatus.created, TopUpStatus.failed):
        return EventOutcome.ignored
    error = obj.get("last_payment_error")
    error = error if isinstance(error, dict) else {}
    topup.status = TopUpStatus.failed
    topup.failure_reason = str(error.get("message") or "")[:500]
    return EventOutcome.failed


def refunded(session, topup: TopUp, obj: dict) -> str:
    """Reverse the credit of a fully refunded charge; a partial refund is a treasurer's."""
    if not matches(topup, obj, with_reference=False):
        return EventOutcome.mismatch
    if topup.status != TopUpStatus.succeeded:
        return EventOutcome.ignored
    if obj.get("amount_refunded") != topup.euro_cents:
        log.warning("Top-up %s partly refunded (%r cents): left to a treasurer",
                    topup.reference, obj.get("amount_refunded"))
        return EventOutcome.ignored
    try:
        reversal = ledger.reverse(session.connection(), topup.transfer_id,
                                  description=f"Remboursement Stripe {topup.reference}")
    except ledger.LedgerError as error:
        log.error("Top-up %s refunded by Stripe but not reversed (%s): a treasurer settles it",
                  topup.reference, error.code)
        return EventOutcome.refused
    topup.reversal_id = reversal["id"]
    topup.status = TopUpStatus.refunded
    return EventOutcome.refunded


HANDLERS = {
    "payment_intent.succeeded": succeeded,
    "payment_intent.payment_failed": failed,
    "charge.refunded": refunded,
}


def topup_data(topup: TopUp, scale: int) -> dict:
    """A top-up as the API and the pages show it (the client secret while it can be paid)."""
    payable = topup.status in (TopUpStatus.created, TopUpStatus.failed)
    return {"id": topup.id, "status": topup.status, "payment_intent": topup.payment_intent,
            "client_secret": topup.client_secret if payable else None,
            "account": topup.account_id, "currency": topup.currency,
            "amount": ledger.format_amount(topup.amount_minor, scale),
            "euros": ledger.format_amount(topup.euro_cents, 2), "reference": topup.reference,
            "transfer_id": topup.transfer_id, "reversal_id": topup.reversal_id,
            "failure_reason": topup.failure_reason or None,
            "created_at": topup.created_at.isoformat()}


def already_made() -> str:
    return _("Cette recharge existe déjà.")
