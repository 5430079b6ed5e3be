"""The member's redemption page: ask to convert backed units to euros, and follow the
requests already made.

Asking only places a hold (market.payments.redemptions.request_redemption): the units are
reserved until a network treasurer approves (the fee is kept, the rest paid in euros) or
refuses (the units are free again) on /compensation/reconversions.
"""

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

import ledger
from market.currencies.forms import choices, decimal_text, form_number
from market.payments import redemptions
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.owners import owner_ref
from market.web import navigation, refusals
from market.web.access import protect
from market.web.errors import AppError

bp = Blueprint("redemptions_pages", __name__, url_prefix="/reconversions")


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


def asks(user, view_args=None) -> bool:
    """Access rule and header link: admins and treasurers of an active member (they move its
    money, so they may ask to redeem its units)."""
    return user is not None and bool(policy.Viewer.of(user).movers)


def follows(user, view_args=None) -> bool:
    """Access rule: admins and treasurers of a member, suspended too (they read their
    requests, and ask nothing)."""
    return user is not None and bool(user.member_ids(*policy.MOVER_ROLES, acting="read"))


navigation.add_link(N_("Reconversions"), "redemptions_pages.redemptions_page", asks)


class RedemptionForm(FlaskForm):
    """Which backed-currency account to redeem from, and how many units."""

    account = SelectField(_l("Compte à reconvertir en euros"), validate_choice=False)
    amount = StringField(_l("Montant à reconvertir (dans la monnaie du compte)"))



def _fee_text(fee_bp: int) -> str:
    """300 basis points as "3 %", 250 as "2,5 %" (in French; "2.5%" in English)."""
    return _("%(rate)s %%", rate=format_decimal(Decimal(fee_bp) / 100, format="#,##0.##"))


def redeemable_accounts(members) -> list[dict]:
    """The members' redeemable accounts, each with its member's name and its fee as read."""
    found = redemptions.redeemable_accounts(db.session, members)
    names = policy.member_names(db.session, [a["owner_ref"] for a in found])
    return [{**a, "member": names.get(a["owner_ref"], ""), "fee": _fee_text(a["fee_bp"])}
            for a in found]


def render_page(form: RedemptionForm | None = None, status: int = 200):
    """The caller's redeemable accounts, the form, and their members' redemptions."""
    accounts = redeemable_accounts(policy.Viewer.of(current_user).movers)
    form = form or RedemptionForm()
    form.account.choices = choices(
        (str(a["id"]), _("%(member)s — %(code)s — solde %(balance)s — frais %(fee)s — "
                         "n° %(id)s", member=a["member"], code=a["currency"],
                         balance=a["balance"], fee=a["fee"], id=a["id"]))
        for a in accounts)
    fees = {a["fee"] for a in accounts}
    readers = frozenset(current_user.member_ids(*policy.MOVER_ROLES, acting="read"))
    found = redemptions.list_redemptions(db.session, members=readers)
    conn = db.session.connection()
    names = {a["id"]: a["name"] for a in ledger.list_accounts(
        conn, owner_refs=[owner_ref(m) for m in sorted(readers)])} if readers else {}
    rows = [{**redemptions.redemption_data(db.session, r),
             "account_name": names.get(r.account_id, "")} for r in found]
    return render_template("payments/redemptions.html", form=form, accounts=accounts,
                           fee=fees.pop() if len(fees) == 1 else None,
                           redemptions=rows), status


@bp.get("")
def redemptions_page():
    """The caller's backed-currency accounts, the form to ask a redemption, and theirs."""
    return render_page()


@bp.post("")
def request_redemption():
    """Ask a redemption: the units are held until the network treasurer decides."""
    form = RedemptionForm()
    if not form.validate_on_submit():
        return render_page(form, 422)
    viewer = policy.Viewer.of(current_user)
    begin_write(db.session)
    try:
        asked = redemptions.request_redemption(
            db.session, account_id=form_number(form.account.data),
            amount=decimal_text(form.amount.data), movers=viewer.movers,
            by=current_user.id, placed_by=policy.actor(current_user))
        shown = redemptions.redemption_data(db.session, asked)
    except (AppError, ledger.LedgerError) as error:
        db.session.rollback()
        mapped = refusals.app_error(error) if isinstance(error, ledger.LedgerError) else error
        show_error(form, mapped)
        return render_page(form, mapped.status if mapped.status < 500 else 422)
    db.session.commit()
    flash(_("Demande de reconversion n° %(id)s enregistrée : %(amount)s %(code)s sont bloqués "
            "jusqu'à la décision du trésorier du réseau, puis %(euros)s € vous seront payés.",
            id=shown["id"], amount=shown["amount"], code=shown["currency"],
            euros=shown["euros"]), "success")
    return redirect(url_for(".redemptions_page"))


def show_error(form: RedemptionForm, error: AppError) -> None:
    """Put the service's refusal on the field it concerns."""
    fields = error.details.get("fields", {})
    for name, messages in fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(messages)
    if fields:
        return
    if error.code == "not_found":  # another member's account reads as a missing one
        form.account.errors = [_("Aucun compte de votre structure ne porte ce numéro.")]
    elif error.code == "insufficient_funds":
        form.amount.errors = [_("Ce montant dépasse le solde disponible du compte "
                                "(%(available)s) : il ne peut pas être reconverti.",
                                available=error.details.get("available", "0"))]
    else:
        form.amount.errors = [error.message]


protect(bp, {
    "redemptions_page": follows,
    "request_redemption": asks,  # the caller's members' accounts only (request_redemption)
})
