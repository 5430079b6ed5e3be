"""A member's payment to another member in a currency: one ledger transfer that carries the
payment, the payee's merchant fee and the payer's donation (market.currencies.payment_rules),
and the donation rules members set."""

from flask_babel import gettext as _
from sqlalchemy import delete

import ledger
from market.currencies import governance
from market.currencies.models import CurrencyPolicy
from market.currencies.payment_rules import Share, payment_postings
from market.currencies.programme_models import DonationRule
from market.members.models import Member
from market.platform.time import now_utc
from market.treasury.owners import member_of, owner_ref
from market.web.errors import NotFound, ValidationError

WHOLE = 10_000


def _account(session, account_id: int) -> dict | None:
    try:
        return ledger.get_account(session.connection(), account_id)
    except ledger.LedgerError:
        return None


def pay(session, *, from_account: int, to_account: int, amount: str, description: str = "",
        movers: set[int], placed_by: str | None = None, key=None) -> dict:
    """Pay from an account of a member the caller moves money for to another member's.

    ``movers``: the members whose accounts the caller may debit; any other account answers
    404 as a missing one would. ``key()``, called once the payment is checked, gives the
    request's idempotency key for the ledger to store the outcome under.
    """
    payer = _account(session, from_account)
    payer_member = member_of(payer["owner_ref"]) if payer else None
    if payer_member is None or payer_member not in movers:
        raise NotFound(_("Ce compte n'existe pas."))
    payee = _account(session, to_account)
    payee_member = member_of(payee["owner_ref"]) if payee else None
    if payee_member is None:
        raise ValidationError({"to_account": [_("Ce compte d'un membre n'existe pas.")]})
    code = payer["currency"]
    if payee["currency"] != code:
        raise ValidationError({"to_account": [_("Ce compte n'est pas dans la monnaie "
                                                "%(code)s.", code=code)]})
    if to_account == from_account:
        raise ValidationError({"to_account": [_("Un compte ne se paie pas lui-même.")]})
    policy = session.get(CurrencyPolicy, code)
    if policy is None:
        raise ValidationError({"from_account": [_("Cette monnaie n'a pas de règles de "
                                                  "paiement.")]})
    scale = governance.currency_of(session, code)["scale"]
    try:
        minor = ledger.parse_amount(amount, scale)
    except ledger.LedgerError:
        raise ValidationError({"amount": [_("Un montant positif avec %(scale)s décimale(s).",
                                            scale=scale)]}) from None
    fee = Share(policy.fund_account_id, policy.merchant_fee_bp) \
        if policy.merchant_fee_bp and policy.fund_account_id else None
    postings = payment_postings(from_account, to_account, minor, fee=fee,
                                donation=donation_share(session, payer_member, code))
    return ledger.transfer(
        session.connection(), postings, description=description or _("Paiement"),
        metadata={"kind": "currency_payment"}, placed_by=placed_by,
        debit_owners=[owner_ref(payer_member), owner_ref(payee_member)],
        idempotency=key() if key is not None else None)


def donation_share(session, member_id: int, code: str) -> Share | None:
    """The member's donation in ``code``, to its association's account (None: no rule or
    no account to give to)."""
    rule = session.get(DonationRule, (member_id, code))
    if rule is None:
        return None
    account = governance.member_account(session, rule.association_member_id, code)
    return None if account is None else Share(account, rule.rate_bp)


def set_donation_rule(session, member_id: int, code: str, association_member_id: int | None,
                      rate_bp: int) -> DonationRule | None:
    """Give ``rate_bp`` of the member's payments in ``code`` to an association (0: stop)."""
    governance.policy_of(session, code)
    if rate_bp == 0:
        session.execute(delete(DonationRule).where(DonationRule.member_id == member_id,
                                                   DonationRule.currency == code))
        session.flush()
        return None
    errors = {}
    if not 0 < rate_bp <= WHOLE:
        errors["rate_bp"] = [_("Un entier de points de base, de 0 à 10 000.")]
    if association_member_id is None or association_member_id == member_id \
            or session.get(Member, association_member_id) is None:
        errors["association_member_id"] = [_("Choisissez une autre structure, qui existe.")]
    elif governance.member_account(session, association_member_id, code) is None:
        errors["association_member_id"] = [_("Cette structure n'a pas de compte en "
                                             "%(code)s.", code=code)]
    if errors:
        raise ValidationError(errors)
    rule = session.get(DonationRule, (member_id, code))
    if rule is None:
        rule = DonationRule(member_id=member_id, currency=code)
        session.add(rule)
    rule.association_member_id = association_member_id
    rule.rate_bp = rate_bp
    rule.updated_at = now_utc()
    session.flush()
    return rule
