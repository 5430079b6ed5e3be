"""Currency governance: a network admin creates a currency with its system accounts and
policy, opens accounts and grants credit lines (each change logged, never below the debt).

Every function works in the caller's session transaction: the ledger is called with the
session's connection, so that the ledger rows and the market rows commit together.
"""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

import ledger
from market.currencies.models import WHOLE, CreditLineChange, CurrencyPolicy, DemurragePeriod
from market.members.models import Network
from market.treasury.owners import owner_ref
from market.web.errors import Conflict, NotFound, ValidationError

EURO = "EUR"
#: A network's scales stop at micro-units: beyond, amounts stop being human.
MAX_SCALE = 6
#: Kinds a network may create (the euro is the platform's own, made by `euro`).
KINDS = ("mutual_credit", "backed", "share")
NETWORK_PREFIX = "network:"
#: Policy fields that name rates in basis points.
RATE_FIELDS = ("redemption_fee_bp", "merchant_fee_bp", "demurrage_rate_bp")
#: A currency code as people write it: capitals, digits and hyphens ("EUSKO", "PARTS-GIE").
CODE = re.compile(r"[A-Z][A-Z0-9-]{1,15}")


def network_ref(network_id: int) -> str:
    """The ledger owner reference of a network's own accounts."""
    return f"{NETWORK_PREFIX}{network_id}"


def policy_of(session, code: str) -> CurrencyPolicy:
    """The policy of a currency created through governance (NotFound otherwise)."""
    policy = session.get(CurrencyPolicy, code) if isinstance(code, str) else None
    if policy is None:
        raise NotFound(_("Cette monnaie n'existe pas."))
    return policy


def currency_of(session, code: str) -> dict:
    """The ledger's record of a currency (code, name, scale, kind)."""
    found = [c for c in ledger.list_currencies(session.connection()) if c["code"] == code]
    if not found:
        raise NotFound(_("Cette monnaie n'existe pas."))
    return found[0]


def system_account(session, code: str, name: str, *, owner: str | None = None,
                   min_balance: str | int | None = None) -> int:
    """Open an account of the network's own (unbounded below unless a floor is given)."""
    return ledger.create_account(session.connection(), code, name[:200], owner_ref=owner,
                                 min_balance=min_balance)["id"]


def euro(session) -> CurrencyPolicy:
    """The euro and its policy, made on first use: euros enter through Stripe's clearing."""
    policy = session.get(CurrencyPolicy, EURO)
    if policy is not None:
        return policy
    conn = session.connection()
    if not any(c["code"] == EURO for c in ledger.list_currencies(conn)):
        ledger.create_currency(conn, EURO, "Euro", 2, "fiat")
    policy = CurrencyPolicy(code=EURO, euro_parity=Decimal(1))
    policy.issuance_account_id = system_account(session, EURO, "Compensation Stripe")
    session.add(policy)
    session.flush()
    return policy


def parity(raw) -> Decimal:
    """A euro parity: a positive decimal with at most six decimals, given as a string."""
    try:
        value = Decimal(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) \
            else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0 or value > Decimal(10) ** 9 \
            or -value.as_tuple().exponent > 6:
        raise ValidationError({"euro_parity": [_(
            "Un nombre décimal positif, six décimales au plus, écrit comme une chaîne.")]})
    return value


def create_currency(session, *, code: str, name: str, scale: int, kind: str, by=None,
                    network_id: int | None = None, euro_parity="1", **rules) -> CurrencyPolicy:
    """Create a network's currency, its issuance account and what its kind needs."""
    errors = {}
    if not isinstance(code, str) or not CODE.fullmatch(code):
        errors["code"] = [_("2 à 16 capitales, chiffres ou tirets, d'abord une lettre.")]
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        errors["name"] = [_("De 1 à 100 caractères.")]
    if kind not in KINDS:
        errors["kind"] = [_("Une de : %(kinds)s.", kinds=", ".join(KINDS))]
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
        errors["scale"] = [_("Un entier de 0 à %(max)s.", max=MAX_SCALE)]
    if network_id is not None and session.get(Network, network_id) is None:
        errors["network_id"] = [_("Ce réseau n'existe pas.")]
    if errors:
        raise ValidationError(errors)
    value = parity(euro_parity)
    conn = session.connection()
    if code == EURO or any(c["code"] == code for c in ledger.list_currencies(conn)):
        raise Conflict(_("Une monnaie porte déjà ce code."), {"fields": {"code": [
            _("Une monnaie porte déjà ce code.")]}})
    ledger.create_currency(conn, code, name.strip(), scale, kind)
    policy = CurrencyPolicy(code=code, network_id=network_id, euro_parity=value,
                            created_by=getattr(by, "id", by))
    policy.issuance_account_id = system_account(session, code, f"Émission {code}")
    if kind == "backed":
        reserve = euro(session)
        policy.reserve_account_id = system_account(session, reserve.code,
                                                   f"Réserve en euros de {code}", min_balance=0)
    session.add(policy)
    apply_rules(session, policy, rules, kind)
    session.flush()
    return policy


def apply_rules(session, policy: CurrencyPolicy, rules: dict, kind: str | None = None) -> None:
    """Set policy rules, opening the fee, fund and commons accounts they need."""
    kind = kind or currency_of(session, policy.code)["kind"]
    scale = currency_of(session, policy.code)["scale"]
    errors = {}
    for field in RATE_FIELDS:
        if field in rules:
            value = rules[field]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= WHOLE:
                errors[field] = [_("Un entier de points de base, de 0 à 10 000.")]
            else:
                setattr(policy, field, value)
    for field in ("default_credit_line", "demurrage_free_base"):
        if field in rules:
            try:
                setattr(policy, field, ledger.parse_amount(rules[field], scale))
            except ledger.LedgerError:
                errors[field] = [_("Un montant positif ou nul avec %(scale)s décimale(s).",
                                   scale=scale)]
    if "default_credit_line" in rules and kind != "mutual_credit":
        errors["default_credit_line"] = [_("Seul le crédit mutuel accorde des lignes de "
                                           "crédit.")]
    if "redemption_fee_bp" in rules and kind != "backed":
        errors["redemption_fee_bp"] = [_("Seule une monnaie adossée à l'euro se convertit.")]
    if "demurrage_period" in rules:
        period = rules["demurrage_period"]
        if period is not None and period not in set(DemurragePeriod):
            errors["demurrage_period"] = [_("daily, monthly ou null.")]
        else:
            policy.demurrage_period = period
    if "euro_parity" in rules:
        policy.euro_parity = parity(rules["euro_parity"])
    if errors:
        raise ValidationError(errors)
    owner = network_ref(policy.network_id) if policy.network_id else None
    if policy.redemption_fee_bp and policy.fee_account_id is None:
        policy.fee_account_id = system_account(session, policy.code, f"Frais {policy.code}",
                                               owner=owner, min_balance=0)
    if policy.merchant_fee_bp and policy.fund_account_id is None:
        policy.fund_account_id = system_account(session, policy.code, f"Fonds {policy.code}",
                                                owner=owner, min_balance=0)
    if policy.demurrage_period and policy.commons_account_id is None:
        policy.commons_account_id = system_account(session, policy.code,
                                                   f"Communs {policy.code} (fonte)",
                                                   owner=owner, min_balance=0)


def update_policy(session, code: str, rules: dict, *, by=None) -> CurrencyPolicy:
    """Change a currency's rules (parity, fees, demurrage, default credit line)."""
    policy = policy_of(session, code)
    apply_rules(session, policy, rules)
    session.flush()
    return policy


def member_account(session, member_id: int, code: str) -> int | None:
    """The member's first open account in ``code``, or None."""
    found = [a for a in ledger.list_accounts(session.connection(), owner_ref=owner_ref(member_id),
                                             currency=code) if a["status"] == "open"]
    return min((a["id"] for a in found), default=None)


def open_member_account(session, member_id: int, code: str, name: str | None = None) -> int:
    """Open a member's account in ``code``: a mutual-credit one with the default line."""
    currency = currency_of(session, code)
    policy = session.get(CurrencyPolicy, code)
    line = policy.default_credit_line if policy is not None \
        and currency["kind"] == "mutual_credit" else 0
    account = ledger.create_account(session.connection(), code,
                                    (name or f"member {member_id} — {code}")[:200],
                                    owner_ref=owner_ref(member_id), min_balance=-line)
    return account["id"]


def network_account(session, network_id: int, code: str, purpose: str, *,
                    min_balance: str | int | None = 0) -> int:
    """The network's account in ``code`` for ``purpose`` (e.g. "clearing"), opened once."""
    name = f"{purpose} — {code}"
    for account in ledger.list_accounts(session.connection(), owner_ref=network_ref(network_id),
                                        currency=code):
        if account["name"] == name and account["status"] != "closed":
            return account["id"]
    return system_account(session, code, name, owner=network_ref(network_id),
                          min_balance=min_balance)


def set_credit_line(session, account_id: int, line, *, reason: str = "", by=None) -> dict:
    """Grant a mutual-credit account a line (positive amount), logged; never below its debt."""
    conn = session.connection()
    account = ledger.get_account(conn, account_id)
    currency = currency_of(session, account["currency"])
    if currency["kind"] != "mutual_credit":
        raise ValidationError({"credit_line": [_("Seul le crédit mutuel accorde des lignes "
                                                 "de crédit.")]})
    try:
        new = ledger.parse_amount(line, currency["scale"])
    except ledger.LedgerError:
        raise ValidationError({"credit_line": [_(
            "Un montant positif ou nul avec %(scale)s décimale(s), par exemple \"500.00\".",
            scale=currency["scale"])]}) from None
    floor = account["min_balance"]
    old = 0 if floor is None else -ledger.parse_amount(floor, currency["scale"], signed=True)
    try:
        updated = ledger.set_limits(conn, account_id, min_balance=-new,
                                    max_balance=account["max_balance"])
    except ledger.ValidationError:
        raise ValidationError({"credit_line": [_(
            "La ligne ne peut pas passer sous la dette actuelle du compte (%(debt)s).",
            debt=account["balance"].lstrip("-"))]}) from None
    session.add(CreditLineChange(account_id=account_id, currency=account["currency"],
                                 old_line=max(old, 0), new_line=new, reason=reason,
                                 changed_by=getattr(by, "id", by)))
    session.flush()
    return updated
