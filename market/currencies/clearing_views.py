"""Pages of clearing between networks: pay a member of another network, positions, and the
treasurer's list of redemptions to approve or refuse."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

import ledger
from market.auth.access import network
from market.auth.roles import Role
from market.currencies import clearing
from market.currencies.forms import choices, decimal_text, form_number
from market.members.models import Member
from market.payments import redemptions
from market.payments.redemption_models import RedemptionStatus
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.owners import owner_ref
from market.web import navigation, refusals
from market.web.access import protect
from market.web.errors import AppError
from market.web.path_ids import ROW_ID

bp = Blueprint("clearing", __name__, url_prefix="/compensation")
bp.register_error_handler(ledger.LedgerError, refusals.render_refusal)

ID = ROW_ID


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Compensation"), "clearing.positions", policy.sees_network_books)


class ClearingPaymentForm(FlaskForm):
    """A payment from one of the member's accounts to a member of another network."""

    from_account = SelectField(_l("Compte débité"), validate_choice=False)
    to_member = SelectField(_l("Structure payée (d'un autre réseau)"), validate_choice=False)
    amount = StringField(_l("Montant, dans la monnaie du compte débité"))
    description = StringField(_l("Libellé"))



@bp.get("/positions")
def positions():
    """What each network owes the other under each agreement, and the limits used."""
    return render_template("clearing/positions.html",
                           positions=clearing.positions(db.session))


def payment_page(form: ClearingPaymentForm | None = None, status: int = 200):
    """The payment form, listing the caller's accounts and the members it may reach."""
    viewer = policy.Viewer.of(current_user)
    form = form or ClearingPaymentForm()
    accounts = ledger.list_accounts(db.session.connection(),
                                    owner_refs=[owner_ref(m) for m in sorted(viewer.movers)])
    names = policy.member_names(db.session, [a["owner_ref"] for a in accounts])
    form.from_account.choices = choices(
        (str(a["id"]), f"{names.get(a['owner_ref'], '')} — {a['currency']} — "
                       f"{a['available'] or a['balance']} — n° {a['id']}") for a in accounts
        if a["status"] == "open")
    reachable = {}
    for member_id in sorted(viewer.movers):
        for member in clearing.member_choices(db.session, member_id):
            reachable[member.id] = member.name
    form.to_member.choices = choices((str(i), name) for i, name in
                                     sorted(reachable.items(), key=lambda item: item[1]))
    return render_template("clearing/pay.html", form=form), status


@bp.get("/payer")
def payment_form():
    """The form to pay a member of another network (members' admins and treasurers)."""
    return payment_page()


@bp.post("/payer")
def pay():
    """Pay a member of another network in one transfer through the clearing accounts."""
    form = ClearingPaymentForm()
    viewer = policy.Viewer.of(current_user)
    begin_write(db.session)
    try:
        moved = clearing.pay(db.session, from_account=form_number(form.from_account.data),
                             to_member=form_number(form.to_member.data),
                             amount=decimal_text(form.amount.data),
                             description=(form.description.data or "").strip()[:500],
                             movers=viewer.movers, placed_by=policy.actor(current_user))
    except (AppError, ledger.LedgerError) as error:
        db.session.rollback()
        mapped = refusals.app_error(error) if isinstance(error, ledger.LedgerError) else error
        fields = mapped.details.get("fields", {})
        for name, messages in fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = list(messages)
        if not fields:
            form.amount.errors = [mapped.message]
        return payment_page(form, mapped.status)
    db.session.commit()
    payee = db.session.get(Member, form_number(form.to_member.data))
    flash(_("Paiement n° %(id)s envoyé à %(name)s.", id=moved["id"], name=payee.name),
          "success")
    return redirect(url_for(".payment_form"))


@bp.get("/reconversions")
def redemption_list():
    """Redemptions waiting for a network treasurer's decision, then the latest decided."""
    waiting = redemptions.list_redemptions(db.session, status=RedemptionStatus.requested)
    decided = [r for r in redemptions.list_redemptions(db.session)
               if r.status != RedemptionStatus.requested][:50]
    names = policy.member_names(db.session, {owner_ref(r.member_id) for r in waiting + decided})

    def shown(found) -> list[dict]:
        return [{**redemptions.redemption_data(db.session, r),
                 "member": names.get(owner_ref(r.member_id), "")} for r in found]
    return render_template("clearing/redemptions.html", waiting=shown(waiting),
                           decided=shown(decided))


def _decide(redemption_id: int, work, done: str):
    begin_write(db.session)
    try:
        work()
    except (AppError, ledger.LedgerError) as error:
        db.session.rollback()
        mapped = refusals.app_error(error) if isinstance(error, ledger.LedgerError) else error
        flash(mapped.message, "error")
        return redirect(url_for(".redemption_list"))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".redemption_list"))


@bp.post(f"/reconversions/<{ID}:redemption_id>/approuver")
def approve_redemption(redemption_id: int):
    """Approve a redemption: the hold is posted and the euros paid from the reserve."""
    reference = (request.form.get("payout_reference") or "").strip()[:200]
    if not reference:
        flash(_("Indiquez la référence du virement."), "error")
        return redirect(url_for(".redemption_list"))
    return _decide(redemption_id, lambda: redemptions.approve(
        db.session, redemption_id, payout_reference=reference, by=current_user.id),
        _("Reconversion n° %(id)s approuvée et payée.", id=redemption_id))


@bp.post(f"/reconversions/<{ID}:redemption_id>/refuser")
def refuse_redemption(redemption_id: int):
    """Refuse a redemption: the hold is voided."""
    reason = (request.form.get("reason") or "").strip()[:500]
    if not reason:
        flash(_("Dites pourquoi : le motif est conservé."), "error")
        return redirect(url_for(".redemption_list"))
    return _decide(redemption_id, lambda: redemptions.refuse(
        db.session, redemption_id, reason=reason, by=current_user.id),
        _("Reconversion n° %(id)s refusée : les unités sont libérées.", id=redemption_id))


protect(bp, {
    "positions": network(Role.network_treasurer, Role.network_admin),
    "payment_form": policy.is_money_mover,
    "pay": policy.is_money_mover,
    "redemption_list": network(Role.network_treasurer, Role.network_admin),
    "approve_redemption": network(Role.network_treasurer, Role.network_admin),
    "refuse_redemption": network(Role.network_treasurer, Role.network_admin),
})
