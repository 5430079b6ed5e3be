"""Redemption of backed units for euros, and the invariant that the reserve covers them.

Asking places one ledger hold: amount − fee to the issuance account (units destroyed when it
is posted) and the fee to the network's fee account; nothing else moves. A treasurer's
approval posts the hold and, in the same transaction, pays (amount − fee) at parity from the
euro reserve: to the member's own euro account when it has one (the euros are then the
member's, on the platform), otherwise to the network's "payouts" euro account, which holds
what is wired out of the platform under the payout reference. Refusing voids the hold.
"""

from decimal import ROUND_FLOOR, Decimal, localcontext

from flask_babel import gettext as _
from sqlalchemy import select

import ledger
from market.currencies import governance
from market.currencies.models import WHOLE, CurrencyPolicy
from market.payments.redemption_models import Redemption, RedemptionStatus
from market.platform.time import now_utc
from market.treasury.owners import member_of, owner_ref
from market.web.errors import BusinessRuleError, InvalidState, NotFound, ValidationError

#: The name of the platform's own payouts account (the network's is "payouts — EUR" too).
PAYOUTS = "payouts — EUR"


def fee_of(amount: int, fee_bp: int) -> int:
    """The redemption fee: ``fee_bp`` basis points of ``amount``, rounded down."""
    return amount * fee_bp // WHOLE


def euro_cents(units: int, scale: int, parity: Decimal) -> int:
    """Euros, in cents rounded down, for ``units`` minor units at ``parity``."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(units) * parity * Decimal(100) / Decimal(10) ** scale
        return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def _missing() -> NotFound:
    return NotFound(_("Cette page ou cette ressource n'existe pas."))


def redeemable_accounts(session, members) -> list[dict]:
    """The members' open accounts in a backed currency with a reserve (what
    request_redemption accepts), each with its currency's redemption fee (``fee_bp``)."""
    if not members:
        return []
    conn = session.connection()
    kinds = {c["code"]: c["kind"] for c in ledger.list_currencies(conn)}
    fees = {p.code: p.redemption_fee_bp for p in session.scalars(
        select(CurrencyPolicy).where(CurrencyPolicy.reserve_account_id.is_not(None)))}
    found = ledger.list_accounts(conn, owner_refs=[owner_ref(m) for m in sorted(members)])
    return [{**a, "fee_bp": fees[a["currency"]]} for a in found
            if a["status"] == "open" and a["currency"] in fees
            and kinds.get(a["currency"]) == "backed"]


def request_redemption(session, *, account_id: int, amount: str, movers: frozenset[int],
                       by=None, placed_by: str | None = None) -> Redemption:
    """Hold ``amount`` units of the member's backed account for conversion to euros."""
    conn = session.connection()
    try:
        account = ledger.get_account(conn, account_id)
    except ledger.AccountNotFound:
        account = None
    member_id = member_of(account["owner_ref"]) if account else None
    if member_id is None or member_id not in movers:
        raise NotFound(_("Cette page ou cette ressource n'existe pas."),
                       {"account_id": account_id})
    currency = governance.currency_of(session, account["currency"])
    policy = session.get(CurrencyPolicy, account["currency"])
    if currency["kind"] != "backed" or policy is None or policy.reserve_account_id is None:
        raise ValidationError({"account": [_("Seule une monnaie adossée à l'euro se "
                                             "convertit en euros.")]})
    units = ledger.parse_amount(amount, currency["scale"])
    fee = fee_of(units, policy.redemption_fee_bp)
    cents = euro_cents(units - fee, currency["scale"], policy.euro_parity)
    if units - fee <= 0 or cents <= 0:
        raise BusinessRuleError(_("Ce montant, frais déduits, ne vaut pas un centime d'euro."),
                                {"field": "amount"}, code="invalid_amount")
    postings = [{"from": account_id, "to": policy.issuance_account_id, "amount": units - fee}]
    if fee:
        postings.append({"from": account_id, "to": policy.fee_account_id, "amount": fee})
    held = ledger.hold(conn, postings, description=_("Conversion en euros"),
                       placed_by=placed_by, metadata={"redemption": True})
    redemption = Redemption(member_id=member_id, account_id=account_id,
                            currency=account["currency"], amount=units, fee=fee,
                            euro_cents=cents, hold_transfer_id=held["id"],
                            requested_by=getattr(by, "id", by))
    session.add(redemption)
    session.flush()
    return redemption


def _pending(session, redemption_id: int) -> Redemption:
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise _missing()
    if redemption.status != RedemptionStatus.requested:
        raise InvalidState(_("Cette demande a déjà été traitée."),
                           {"status": redemption.status})
    return redemption


def payout_account(session, redemption: Redemption, policy: CurrencyPolicy) -> int:
    """Where the euros go: the member's euro account, else the network's payouts account."""
    own = governance.member_account(session, redemption.member_id, governance.EURO)
    if own is not None:
        return own
    governance.euro(session)
    if policy.network_id is None:
        return _platform_payouts(session) or governance.system_account(
            session, governance.EURO, PAYOUTS, min_balance=0)
    return governance.network_account(session, policy.network_id, governance.EURO, "payouts")


def _platform_payouts(session) -> int | None:
    """The platform's payouts account (for a currency no network runs), if opened."""
    found = [a for a in ledger.list_accounts(session.connection(), currency=governance.EURO)
             if a["owner_ref"] is None and a["name"] == PAYOUTS]
    return min((a["id"] for a in found), default=None)


def approve(session, redemption_id: int, *, payout_reference: str, by=None) -> Redemption:
    """Post the hold and pay the euros from the reserve, in the caller's one transaction."""
    redemption = _pending(session, redemption_id)
    policy = governance.policy_of(session, redemption.currency)
    conn = session.connection()
    ledger.post_pending(conn, redemption.hold_transfer_id)
    paid = ledger.transfer(conn, [{"from": policy.reserve_account_id,
                                   "to": payout_account(session, redemption, policy),
                                   "amount": redemption.euro_cents}],
                           description=_("Conversion en euros, virement %(ref)s",
                                         ref=payout_reference),
                           reference=f"redemption:{redemption.id}",
                           metadata={"payout_reference": payout_reference,
                                     "redemption": redemption.id})
    redemption.status = RedemptionStatus.approved
    redemption.payout_transfer_id = paid["id"]
    redemption.payout_reference = payout_reference
    redemption.decided_by = getattr(by, "id", by)
    redemption.decided_at = now_utc()
    session.flush()
    return redemption


def refuse(session, redemption_id: int, *, reason: str, by=None) -> Redemption:
    """Void the hold: the member's units are free again."""
    redemption = _pending(session, redemption_id)
    ledger.void_pending(session.connection(), redemption.hold_transfer_id)
    redemption.status = RedemptionStatus.refused
    redemption.refusal_reason = reason
    redemption.decided_by = getattr(by, "id", by)
    redemption.decided_at = now_utc()
    session.flush()
    return redemption


def list_redemptions(session, *, members: frozenset[int] | None = None,
                     status: str | None = None) -> list[Redemption]:
    """Redemptions, newest first: of ``members`` only unless None (network treasurers)."""
    query = select(Redemption).order_by(Redemption.id.desc())
    if members is not None:
        query = query.where(Redemption.member_id.in_(sorted(members)))
    if status is not None:
        query = query.where(Redemption.status == status)
    return list(session.scalars(query.limit(500)))


def readable(session, redemption_id: int, members: frozenset[int] | None) -> Redemption:
    """One redemption, if the caller may read it (the same 404 as a missing one otherwise)."""
    redemption = session.get(Redemption, redemption_id)
    if redemption is None or (members is not None and redemption.member_id not in members):
        raise _missing()
    return redemption


def redemption_data(session, redemption: Redemption) -> dict:
    """A redemption as the API shows it, amounts as decimal strings."""
    scale = governance.currency_of(session, redemption.currency)["scale"]
    return {"id": redemption.id, "member_id": redemption.member_id,
            "account": redemption.account_id, "currency": redemption.currency,
            "amount": ledger.format_amount(redemption.amount, scale),
            "fee": ledger.format_amount(redemption.fee, scale),
            "euros": ledger.format_amount(redemption.euro_cents, 2),
            "status": redemption.status, "hold_transfer_id": redemption.hold_transfer_id,
            "payout_transfer_id": redemption.payout_transfer_id,
            "payout_reference": redemption.payout_reference,
            "refusal_reason": redemption.refusal_reason,
            "requested_at": redemption.requested_at.isoformat(),
            "decided_at": redemption.decided_at.isoformat() if redemption.decided_at else None}


def reserve_coverage(conn, code: str, currencies: list[dict] | None = None) -> dict | None:
    """How the euro reserve of the backed currency ``code`` covers its units in circulation
    (None when ``code`` is not backed or has no reserve).

    Units in circulation are what the issuance account has put out (minus its balance);
    they are covered when the reserve holds at least their value at parity, in cents
    rounded down.
    """
    currency = next((c for c in currencies or ledger.list_currencies(conn)
                     if c["code"] == code), None)
    table = CurrencyPolicy.__table__
    row = conn.execute(select(table.c.euro_parity, table.c.issuance_account_id,
                              table.c.reserve_account_id).where(table.c.code == code)).first()
    if currency is None or row is None or currency["kind"] != "backed" \
            or row.reserve_account_id is None:
        return None
    scale = currency["scale"]
    issued = ledger.get_account(conn, row.issuance_account_id)["balance"]
    circulating = -ledger.parse_amount(issued, scale, signed=True)
    reserve = ledger.parse_amount(ledger.get_account(conn, row.reserve_account_id)["balance"],
                                  2, signed=True)
    needed = euro_cents(max(circulating, 0), scale, Decimal(row.euro_parity))
    return {"currency": code, "circulating": ledger.format_amount(circulating, scale),
            "reserve_eur": ledger.format_amount(reserve, 2),
            "needed_eur": ledger.format_amount(needed, 2),
            "shortfall_eur": ledger.format_amount(max(needed - reserve, 0), 2),
            "covered": reserve >= needed}


def reserve_problems(conn) -> list[dict]:
    """Each backed currency whose euro reserve does not cover its units in circulation."""
    codes = conn.execute(select(CurrencyPolicy.__table__.c.code)
                         .order_by(CurrencyPolicy.__table__.c.code)).scalars()
    currencies = ledger.list_currencies(conn)
    found = (reserve_coverage(conn, code, currencies) for code in list(codes))
    return [{k: v for k, v in c.items() if k != "covered"} for c in found
            if c is not None and not c["covered"]]
