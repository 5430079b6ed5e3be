"""Trans-local clearing: agreements between networks, payments across them, and positions.

A payment from a member of network X to a member of network Y is one ledger transfer of two
postings: payer -> X's clearing account (X's currency) and Y's clearing account -> payee
(Y's currency, at the agreed rate, rounded down). Each clearing account may go below zero
down to the agreed limit (its ledger ``min_balance``), so the ledger refuses beyond it.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation, localcontext

from flask_babel import gettext as _
from sqlalchemy import or_, select

import ledger
from market.currencies import governance
from market.currencies.clearing_models import ClearingAgreement
from market.currencies.models import CurrencyPolicy
from market.members.models import Member, MemberStatus, Network, member_networks
from market.treasury.owners import member_of
from market.web.errors import BusinessRuleError, Conflict, NotFound, ValidationError

#: A rate has at most 12 decimals and stays below a billion (Numeric(24, 12)).
RATE_DECIMALS = 12


def rate_of(raw) -> Decimal:
    """An agreed rate: a positive decimal string, at most 12 decimals (never a float)."""
    try:
        value = Decimal(raw) if isinstance(raw, str) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0 or value >= Decimal(10) ** 9 \
            or -value.as_tuple().exponent > RATE_DECIMALS:
        raise ValidationError({"rate": [_(
            "Un nombre décimal positif, douze décimales au plus, écrit comme une chaîne.")]})
    return value


def convert(amount: int, rate: Decimal, scale_from: int, scale_to: int) -> int:
    """``amount`` minor units at ``rate`` (units out per unit in), in the other scale, floored."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(amount) * rate * Decimal(10) ** (scale_to - scale_from)
        return int(exact.to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Route:
    """How one payment crosses an agreement: from which side, at which rate, which accounts."""

    agreement: ClearingAgreement
    payer_clearing: int
    payee_clearing: int
    payee_currency: str
    rate: Decimal


def _scale(session, code: str) -> int:
    return governance.currency_of(session, code)["scale"]


def _network_currency(session, network_id: int, code: str, field: str) -> CurrencyPolicy:
    policy = session.get(CurrencyPolicy, code) if isinstance(code, str) else None
    if policy is None or policy.network_id != network_id:
        raise ValidationError({field: [_("Ce réseau ne gère pas cette monnaie.")]})
    return policy


def create_agreement(session, *, network_a_id: int, network_b_id: int, currency_a: str,
                     currency_b: str, rate: str, limit: str, active: bool = True,
                     by=None) -> ClearingAgreement:
    """Agree a rate and a limit between two networks, opening each side's clearing account."""
    errors = {}
    for field, network_id in (("network_a_id", network_a_id), ("network_b_id", network_b_id)):
        if session.get(Network, network_id) is None:
            errors[field] = [_("Ce réseau n'existe pas.")]
    if not errors and network_a_id == network_b_id:
        errors["network_b_id"] = [_("Un accord lie deux réseaux différents.")]
    if errors:
        raise ValidationError(errors)
    _network_currency(session, network_a_id, currency_a, "currency_a")
    _network_currency(session, network_b_id, currency_b, "currency_b")
    value = rate_of(rate)
    scale_a, scale_b = _scale(session, currency_a), _scale(session, currency_b)
    try:
        limit_a = ledger.parse_amount(limit, scale_a)
    except ledger.LedgerError:
        raise ValidationError({"limit": [_(
            "Un montant positif ou nul avec %(scale)s décimale(s), dans la monnaie du "
            "réseau A.", scale=scale_a)]}) from None
    limit_b = convert(limit_a, value, scale_a, scale_b)
    if _existing(session, network_a_id, network_b_id, currency_a, currency_b) is not None:
        raise Conflict(_("Ces deux réseaux ont déjà un accord pour ces monnaies."))
    account_a = _clearing_account(session, network_a_id, currency_a, network_b_id, limit_a)
    account_b = _clearing_account(session, network_b_id, currency_b, network_a_id, limit_b)
    agreement = ClearingAgreement(
        network_a_id=network_a_id, network_b_id=network_b_id, currency_a=currency_a,
        currency_b=currency_b, rate=value, limit_a=limit_a, limit_b=limit_b,
        account_a_id=account_a, account_b_id=account_b, active=bool(active),
        created_by=getattr(by, "id", by))
    session.add(agreement)
    session.flush()
    return agreement


def _existing(session, a: int, b: int, code_a: str, code_b: str):
    """An agreement already binding these networks and currencies, either way round."""
    return session.scalars(select(ClearingAgreement).where(or_(
        (ClearingAgreement.network_a_id == a) & (ClearingAgreement.network_b_id == b)
        & (ClearingAgreement.currency_a == code_a) & (ClearingAgreement.currency_b == code_b),
        (ClearingAgreement.network_a_id == b) & (ClearingAgreement.network_b_id == a)
        & (ClearingAgreement.currency_a == code_b) & (ClearingAgreement.currency_b == code_a),
    ))).first()


def _clearing_account(session, network_id: int, code: str, other_id: int, limit: int) -> int:
    """The network's clearing account towards ``other_id``, floored at minus the limit."""
    account_id = governance.network_account(session, network_id, code,
                                            f"clearing with network {other_id}",
                                            min_balance=-limit)
    account = ledger.get_account(session.connection(), account_id)
    if account["min_balance"] != ledger.format_amount(-limit, _scale(session, code)):
        ledger.set_limits(session.connection(), account_id, min_balance=-limit,
                          max_balance=account["max_balance"])
    return account_id


def list_agreements(session) -> list[ClearingAgreement]:
    """Every agreement, oldest first."""
    return list(session.scalars(select(ClearingAgreement).order_by(ClearingAgreement.id)))


def networks_of(session, member_id: int) -> set[int]:
    """The networks a member belongs to."""
    return set(session.scalars(select(member_networks.c.network_id)
                               .where(member_networks.c.member_id == member_id)))


def route(session, payer_networks: set[int], currency: str, payee_networks: set[int]) -> Route:
    """The active agreement a payment in ``currency`` takes between the two members' networks."""
    for agreement in list_agreements(session):
        if not agreement.active:
            continue
        if agreement.currency_a == currency and agreement.network_a_id in payer_networks \
                and agreement.network_b_id in payee_networks:
            return Route(agreement, agreement.account_a_id, agreement.account_b_id,
                         agreement.currency_b, agreement.rate)
        if agreement.currency_b == currency and agreement.network_b_id in payer_networks \
                and agreement.network_a_id in payee_networks:
            with localcontext() as context:
                context.prec = 60
                inverse = Decimal(1) / agreement.rate
            return Route(agreement, agreement.account_b_id, agreement.account_a_id,
                         agreement.currency_a, inverse)
    raise BusinessRuleError(_("Aucun accord de compensation ne lie les réseaux de ces deux "
                              "structures dans cette monnaie."), code="no_agreement")


def pay(session, *, from_account: int, to_member: int, amount: str, description: str = "",
        movers: frozenset[int] = frozenset(), placed_by: str | None = None) -> dict:
    """Pay a member of another network in one transfer of two postings, within the limit.

    ``movers`` are the members whose accounts the caller may debit: another account answers
    404 as a missing one would.
    """
    conn = session.connection()
    try:
        account = ledger.get_account(conn, from_account)
    except ledger.AccountNotFound:
        account = None
    payer = member_of(account["owner_ref"]) if account else None
    if payer is None or payer not in movers:
        raise NotFound(_("Cette page ou cette ressource n'existe pas."),
                       {"account_id": from_account})
    payee = session.get(Member, to_member)
    if payee is None or payee.status != MemberStatus.active or payee.id == payer:
        raise ValidationError({"to_member": [_("Cette structure ne peut pas être payée.")]})
    path = route(session, networks_of(session, payer), account["currency"],
                 networks_of(session, payee.id))
    payee_account = governance.member_account(session, payee.id, path.payee_currency)
    if payee_account is None:
        raise ValidationError({"to_member": [_(
            "Cette structure n'a pas de compte en %(code)s.", code=path.payee_currency)]})
    scale_from = _scale(session, account["currency"])
    sent = ledger.parse_amount(amount, scale_from)
    received = convert(sent, path.rate, scale_from, _scale(session, path.payee_currency))
    if received <= 0:
        raise BusinessRuleError(_("Au taux convenu, ce montant arrondi ne vaut rien dans "
                                  "l'autre monnaie."), {"field": "amount"},
                                code="invalid_amount")
    postings = [{"from": from_account, "to": path.payer_clearing, "amount": sent},
                {"from": path.payee_clearing, "to": payee_account, "amount": received}]
    try:
        return ledger.transfer(conn, postings,
                               description=description or _("Paiement entre réseaux"),
                               placed_by=placed_by,
                               metadata={"clearing_agreement": path.agreement.id})
    except ledger.InsufficientFunds as error:
        if error.details.get("account_id") != path.payee_clearing:
            raise
        raise BusinessRuleError(_("Limite de compensation atteinte entre ces deux réseaux."),
                                {"agreement_id": path.agreement.id},
                                code="limit_exceeded") from None


def positions(session) -> list[dict]:
    """Per agreement: each side's balance, what is owed to whom, in each currency and euros."""
    conn = session.connection()
    names = {n.id: n.name for n in session.scalars(select(Network))}
    shown = []
    for agreement in list_agreements(session):
        sides = []
        for network_id, other_id, code, account_id, limit in (
                (agreement.network_a_id, agreement.network_b_id, agreement.currency_a,
                 agreement.account_a_id, agreement.limit_a),
                (agreement.network_b_id, agreement.network_a_id, agreement.currency_b,
                 agreement.account_b_id, agreement.limit_b)):
            scale = _scale(session, code)
            balance = ledger.parse_amount(ledger.get_account(conn, account_id)["balance"],
                                          scale, signed=True)
            parity = governance.policy_of(session, code).euro_parity
            euros = convert(balance, parity, scale, 2)
            sides.append({
                "network_id": network_id, "network": names.get(network_id, ""),
                "currency": code, "account_id": account_id,
                "balance": ledger.format_amount(balance, scale),
                "balance_eur": ledger.format_amount(euros, 2),
                "limit": ledger.format_amount(limit, scale),
                "limit_used": ledger.format_amount(max(-balance, 0), scale),
                "limit_used_bp": (max(-balance, 0) * 10_000 // limit) if limit else 0,
                # A positive balance: the network took in its own units for payments the
                # other side made to its members: it owes them to the other network.
                "owes": ledger.format_amount(max(balance, 0), scale),
                "owes_eur": ledger.format_amount(max(euros, 0), 2),
                "owed_to_network_id": other_id if balance > 0 else None,
            })
        shown.append({"agreement_id": agreement.id, "active": agreement.active,
                      "rate": _plain(agreement.rate), "sides": sides})
    return shown


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros ("1.25"), never in exponent form."""
    return format(value.normalize(), "f")


def agreement_data(session, agreement: ClearingAgreement) -> dict:
    """An agreement as the API shows it: amounts and the rate as decimal strings."""
    return {"id": agreement.id, "network_a_id": agreement.network_a_id,
            "network_b_id": agreement.network_b_id, "currency_a": agreement.currency_a,
            "currency_b": agreement.currency_b, "rate": _plain(agreement.rate),
            "limit_a": ledger.format_amount(agreement.limit_a, _scale(session,
                                                                      agreement.currency_a)),
            "limit_b": ledger.format_amount(agreement.limit_b, _scale(session,
                                                                      agreement.currency_b)),
            "account_a_id": agreement.account_a_id, "account_b_id": agreement.account_b_id,
            "active": agreement.active, "created_at": agreement.created_at.isoformat()}


def member_choices(session, member_id: int) -> list[Member]:
    """Active members of networks bound to ``member_id``'s networks by an active agreement."""
    mine = networks_of(session, member_id)
    others = set()
    for agreement in list_agreements(session):
        if agreement.active and agreement.network_a_id in mine:
            others.add(agreement.network_b_id)
        if agreement.active and agreement.network_b_id in mine:
            others.add(agreement.network_a_id)
    if not others:
        return []
    return list(session.scalars(
        select(Member).join(member_networks, member_networks.c.member_id == Member.id)
        .where(member_networks.c.network_id.in_(others), Member.id != member_id,
               Member.status == MemberStatus.active).distinct().order_by(Member.name)))

