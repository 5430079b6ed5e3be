"""Pages of currency governance: the network's currencies and their rules; a network admin
creates one and sets its rules, a network treasurer grants credit lines (logged)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import ledger
from market.auth.access import network
from market.auth.roles import Role
from market.currencies import governance
from market.currencies.forms import (
    KIND_LABELS,
    PERIOD_LABELS,
    CreditLineForm,
    CurrencyForm,
    RulesForm,
    choices,
    percent,
)
from market.currencies.models import CreditLineChange, CurrencyPolicy
from market.members.models import Network
from market.payments import redemptions
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.owners import member_of
from market.web import navigation, refusals
from market.web.access import protect
from market.web.errors import AppError, ValidationError

bp = Blueprint("currencies", __name__, url_prefix="/monnaies")
bp.register_error_handler(ledger.LedgerError, refusals.render_refusal)

CODE = "string(maxlength=16)"
#: Member accounts a credit-line form lists at most (the API serves the rest).
ACCOUNTS_SHOWN = 500
#: Changes of credit lines shown on a currency's page.
CHANGES_SHOWN = 50


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Monnaies"), "currencies.currency_list", policy.sees_treasury)


@bp.context_processor
def helpers() -> dict:
    return {"kind_labels": KIND_LABELS, "period_labels": PERIOD_LABELS, "percent": percent,
            "amount": ledger.format_amount, "parity": lambda value: f"{value.normalize():f}"}


def network_choices() -> list[tuple[str, str]]:
    """The networks a currency may belong to, by name (blank: the whole platform)."""
    found = db.session.execute(select(Network.id, Network.name).order_by(Network.name)).all()
    return choices([("", _("Toute la plateforme"))] + [(str(i), name) for i, name in found])


def listing(form: CurrencyForm | None = None, status: int = 200):
    """The currencies page, with the creation form for network admins."""
    policies = {p.code: p for p in db.session.scalars(select(CurrencyPolicy))}
    currencies = [c for c in ledger.list_currencies(db.session.connection())
                  if c["code"] in policies]
    networks = dict(db.session.execute(select(Network.id, Network.name)).all())
    admin = current_user.has_role(Role.network_admin)
    if admin and form is None:
        form = CurrencyForm()
    if form is not None:
        form.network.choices = network_choices()
    summaries = {c["code"]: summary(policies[c["code"]], c["scale"]) for c in currencies}
    return render_template("currencies/list.html", currencies=currencies, policies=policies,
                           networks=networks, summaries=summaries,
                           form=form if admin else None), status


def summary(found: CurrencyPolicy, scale: int) -> list[str]:
    """The rules of a currency in a few words ("ligne par défaut 500.00 · fonte 5 % par an")."""
    said = []
    if found.default_credit_line:
        said.append(_("ligne par défaut %(amount)s",
                      amount=ledger.format_amount(found.default_credit_line, scale)))
    if found.redemption_fee_bp:
        said.append(_("reconversion %(rate)s %%", rate=percent(found.redemption_fee_bp)))
    if found.merchant_fee_bp:
        said.append(_("commission %(rate)s %%", rate=percent(found.merchant_fee_bp)))
    if found.demurrage_period:
        said.append(_("fonte %(rate)s %% par an", rate=percent(found.demurrage_rate_bp)))
    return said


@bp.get("")
def currency_list():
    """The currencies the network runs, with their rules."""
    return listing()


@bp.post("")
def create_currency():
    """Create a currency from the form (network admins)."""
    form = CurrencyForm()
    begin_write(db.session)
    try:
        created = governance.create_currency(db.session, by=current_user.id, **form.values())
    except AppError as error:
        db.session.rollback()
        form.show_errors(error.details.get("fields", {}))
        if not error.details.get("fields"):
            form.code.errors = [error.message]
        return listing(form, error.status)
    code = created.code
    db.session.commit()
    flash(_("Monnaie %(code)s créée, avec ses comptes système.", code=code), "success")
    return redirect(url_for(".currency_page", code=code))


def page(code: str, *, rules: RulesForm | None = None, line: CreditLineForm | None = None,
         status: int = 200):
    """A currency's page: its rules, its system accounts, credit lines and their history."""
    found = governance.policy_of(db.session, code)
    currency = governance.currency_of(db.session, code)
    viewer = policy.Viewer.of(current_user)
    admin, treasurer = viewer.network_admin, viewer.network
    if admin and rules is None:
        rules = RulesForm(data=filled(found, currency["scale"]))
    members = []
    if treasurer and currency["kind"] == "mutual_credit":
        accounts = ledger.list_accounts(db.session.connection(), currency=code,
                                        limit=ACCOUNTS_SHOWN)
        members = [a for a in accounts if member_of(a["owner_ref"]) is not None]
        names = policy.member_names(db.session, [a["owner_ref"] for a in members])
        line = line or CreditLineForm()
        line.account.choices = choices(
            (str(a["id"]), f"{names.get(a['owner_ref'], a['name'])} — n° {a['id']}")
            for a in members)
    changes = db.session.scalars(select(CreditLineChange)
                                 .where(CreditLineChange.currency == code)
                                 .order_by(CreditLineChange.id.desc())
                                 .limit(CHANGES_SHOWN)).all() if treasurer else []
    network_name = db.session.get(Network, found.network_id).name if found.network_id else None
    coverage = redemptions.reserve_coverage(db.session.connection(), code) \
        if treasurer else None
    return render_template("currencies/currency.html", policy=found, currency=currency,
                           network_name=network_name, rules=rules if admin else None,
                           coverage=coverage,
                           line=line if members else None, members=members,
                           changes=changes, treasurer=treasurer), status


def filled(found: CurrencyPolicy, scale: int) -> dict:
    """The rules form's values for the currency's current policy."""
    return {"euro_parity": f"{found.euro_parity.normalize():f}",  # 1.500000 as "1.5"
            "default_credit_line": ledger.format_amount(found.default_credit_line, scale),
            "redemption_fee": percent(found.redemption_fee_bp),
            "merchant_fee": percent(found.merchant_fee_bp),
            "demurrage_rate": percent(found.demurrage_rate_bp),
            "demurrage_free_base": ledger.format_amount(found.demurrage_free_base, scale),
            "demurrage_period": found.demurrage_period or ""}


@bp.get(f"/<{CODE}:code>")
def currency_page(code: str):
    """One currency: rules, system accounts, credit lines."""
    return page(code)


@bp.post(f"/<{CODE}:code>/regles")
def update_rules(code: str):
    """Change the currency's rules (network admins)."""
    form = RulesForm()
    begin_write(db.session)
    kind = governance.currency_of(db.session, code)["kind"]
    try:
        governance.update_policy(db.session, code, form.rules(kind), by=current_user.id)
    except ValidationError as error:
        db.session.rollback()
        form.show_errors(error.details.get("fields", {}))
        return page(code, rules=form, status=error.status)
    db.session.commit()
    flash(_("Règles de %(code)s enregistrées.", code=code), "success")
    return redirect(url_for(".currency_page", code=code))


@bp.post(f"/<{CODE}:code>/lignes")
def grant_line(code: str):
    """Grant a member's account a credit line (network treasurers), logged."""
    form = CreditLineForm()
    begin_write(db.session)
    governance.policy_of(db.session, code)
    raw = form.account.data or ""
    account_id = int(raw) if raw.isdigit() and len(raw) < 19 else 0
    try:
        account = ledger.get_account(db.session.connection(), account_id) if account_id \
            else None
        if account is None or account["currency"] != code \
                or member_of(account["owner_ref"]) is None:
            raise ValidationError({"account": [_("Choisissez un compte de membre dans cette "
                                                 "monnaie.")]})
        if not (form.reason.data or "").strip():
            raise ValidationError({"reason": [_("Dites pourquoi : le motif est conservé.")]})
        governance.set_credit_line(db.session, account_id,
                                   (form.credit_line.data or "").strip().replace(",", "."),
                                   reason=form.reason.data.strip()[:500], by=current_user.id)
    except ledger.AccountNotFound:
        db.session.rollback()
        form.account.errors = [_("Choisissez un compte de membre dans cette monnaie.")]
        return page(code, line=form, status=422)
    except ValidationError as error:
        db.session.rollback()
        for name, messages in error.details.get("fields", {}).items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = list(messages)
        return page(code, line=form, status=error.status)
    db.session.commit()
    flash(_("Ligne de crédit du compte n° %(id)s enregistrée.", id=account_id), "success")
    return redirect(url_for(".currency_page", code=code, _anchor="credit-lines"))


protect(bp, {
    "currency_list": lambda user, args: user is not None and policy.sees_treasury(user),
    "create_currency": network(Role.network_admin),
    "currency_page": lambda user, args: user is not None and policy.sees_treasury(user),
    "update_rules": network(Role.network_admin),
    "grant_line": network(Role.network_treasurer, Role.network_admin),
})
