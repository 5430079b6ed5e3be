"""Pages of cooperative shares: subscribe to a share offer, and the cooperative treasurer's
register (holders, history, a link to its CSV, capital calls, decisions on withdrawals and
transfers)."""

from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField

import ledger
from market.currencies import share_rules, shares
from market.currencies.forms import choices, decimal_text, form_number
from market.currencies.share_access import (
    HOLDERS,
    keeps_register,
    manages,
    may_subscribe,
    subscribers,
)
from market.currencies.share_models import (
    CooperativeCapital,
    ShareEvent,
    ShareRequest,
    ShareRequestStatus,
)
from market.members.models import Member
from market.offers.labels import money
from market.offers.models import Offer, OfferKind, OfferStatus
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web import navigation, refusals
from market.web.access import protect, signed_in
from market.web.errors import AppError, NotFound, ValidationError
from market.web.path_ids import ROW_ID

bp = Blueprint("shares", __name__, url_prefix="/parts")
bp.register_error_handler(ledger.LedgerError, refusals.render_refusal)

ID = ROW_ID
PARIS = ZoneInfo("Europe/Paris")
EURO = shares.EURO
#: Register events as people read them.
KINDS = {"subscription": _l("Souscription"), "call": _l("Appel de capital"),
         "payment": _l("Libération"), "transfer": _l("Cession"),
         "withdrawal": _l("Retrait")}
REQUEST_KINDS = {"withdrawal": _l("Retrait"), "transfer": _l("Cession")}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Parts sociales"), "shares.holdings", may_subscribe)


class SubscriptionForm(FlaskForm):
    """Shares of a share offer, for one of the caller's members, and the euros paid now."""

    member = SelectField(_l("Structure qui souscrit"), validate_choice=False)
    shares = StringField(_l("Nombre de parts"))
    paid = StringField(_l("Euros versés maintenant"))


class CallForm(FlaskForm):
    """A call of the uncalled capital, the same amount per share from every holder."""

    per_share = StringField(_l("Montant appelé par part (euros)"))


def euros(minor: int) -> str:
    return money(minor, EURO)


def moment(value) -> str:
    """An instant as people read it, in Paris time (flask_babel's own would turn it back
    to the app's default zone, UTC)."""
    return format_datetime(value, "short", tzinfo=PARIS,
                           locale=get_locale() or "fr") if value else ""


@bp.context_processor
def share_helpers() -> dict:
    return {"euros": euros, "moment": moment, "event_kinds": KINDS,
            "request_kinds": REQUEST_KINDS}



def share_offer(offer_id: int) -> Offer:
    """A published share offer (with its nominal) of an active member; any other is
    NotFound."""
    found = db.session.get(Offer, offer_id)
    if (found is None or found.kind != OfferKind.share or found.status != OfferStatus.published
            or found.member.status != "active" or not found.price_minor):
        raise NotFound(_("Offre introuvable."))
    return found


def candidates(offer: Offer) -> list[Member]:
    """The members the caller may subscribe for (not the cooperative itself), by name."""
    mine = subscribers(current_user) - {offer.member_id}
    found = db.session.scalars(select(Member).where(Member.id.in_(mine))).all() if mine else []
    return sorted(found, key=lambda m: m.name)


def subscription_page(offer: Offer, form: SubscriptionForm | None = None, status: int = 200,
                      problem: str | None = None):
    members = candidates(offer)
    low = offer.share_min or 1
    if form is None:
        form = SubscriptionForm()
        form.shares.data = str(low)
        form.paid.data = ledger.format_amount(
            share_rules.minimum_paid(low, offer.price_minor), 2)
    form.member.choices = choices((str(m.id), m.name) for m in members)
    return render_template("shares/subscribe.html", offer=offer, form=form, members=members,
                           quarter=euros(share_rules.minimum_paid(1, offer.price_minor)),
                           low=low, problem=problem), status


@bp.get(f"/offres/<{ID}:offer_id>/souscrire")
def subscription_form(offer_id: int):
    """The form to subscribe shares of a share offer."""
    return subscription_page(share_offer(offer_id))


def subscription_input(form: SubscriptionForm, offer: Offer, members: list[Member]):
    """The form's member, units and euros, or ValidationError naming the wrong fields."""
    errors = {}
    allowed = {m.id: m for m in members}
    chosen = allowed.get(form_number(form.member.data)) if len(members) > 1 else (
        members[0] if members else None)
    if chosen is None:
        errors["member"] = [_("Choisissez une structure pour laquelle vous agissez.")]
    units = form_number(form.shares.data)
    if units < 1:
        errors["shares"] = [_("Un nombre entier de parts, au moins 1.")]
    raw = decimal_text(form.paid.data)
    paid = 0
    if not raw and units >= 1:
        paid = share_rules.minimum_paid(units, offer.price_minor)
    elif raw:
        try:
            paid = ledger.parse_amount(raw, 2)
        except ledger.InvalidAmount:
            errors["paid"] = [_("Un montant positif en euros, par exemple 25,00.")]
    if errors:
        raise ValidationError(errors)
    return chosen, units, paid


@bp.post(f"/offres/<{ID}:offer_id>/souscrire")
def subscribe(offer_id: int):
    """Subscribe: euros paid now from the member's EUR account, units issued, in one
    transaction; a refusal is shown on the form and writes nothing."""
    offer = share_offer(offer_id)
    form = SubscriptionForm()
    begin_write(db.session)
    try:
        chosen, units, paid = subscription_input(form, offer, candidates(offer))
        shares.subscribe(db.session, offer, chosen, units, paid, by=current_user.id)
    except (AppError, ledger.LedgerError) as error:
        db.session.rollback()
        mapped = refusals.app_error(error) if isinstance(error, ledger.LedgerError) else error
        problem = mapped.message
        for name, messages in mapped.details.get("fields", {}).items():
            if name in ("member", "shares", "paid"):
                getattr(form, name).errors = list(messages)
                problem = None
        if mapped.code == "insufficient_funds":
            form.paid.errors = [_("Pas assez d'euros sur le compte en euros de la structure.")]
            problem = None
        return subscription_page(offer, form, mapped.status, problem)
    db.session.commit()
    flash(_("%(name)s a souscrit %(n)s parts de %(coop)s.", name=chosen.name, n=units,
            coop=offer.member.name), "success")
    return redirect(url_for("offers.offer_page", offer_id=offer.id))


def readable_register(member_id: int) -> dict:
    """The register if the caller keeps it; another member's is NotFound, like a missing one."""
    if not keeps_register(current_user, member_id):
        raise NotFound(_("Cette structure n'a pas de capital en parts."))
    return shares.register(db.session, member_id)


def totals(data: dict) -> dict:
    """The register's sums of what the holders paid, owe on calls and were not called."""
    holders = data["holders"]
    return {"units": data["units"], "subscribed": data["subscribed"],
            "paid": sum(h["paid"] for h in holders),
            "called": sum(h["called"] for h in holders),
            "uncalled": sum(h["uncalled"] for h in holders), "highest": data["highest"]}


def pending_requests(member_id: int) -> list[ShareRequest]:
    return list(db.session.scalars(select(ShareRequest).where(
        ShareRequest.cooperative_id == member_id,
        ShareRequest.status == ShareRequestStatus.requested).order_by(ShareRequest.id)))


@bp.get(f"/registre/<{ID}:member_id>")
def register(member_id: int):
    """The cooperative's register: totals, holders, pending requests, every event."""
    data = readable_register(member_id)
    waiting = pending_requests(member_id)
    names = dict(data["names"])
    wanted = ({r.member_id for r in waiting}
              | {r.to_member_id for r in waiting if r.to_member_id}) - names.keys()
    if wanted:
        names.update(db.session.execute(select(Member.id, Member.name).where(
            Member.id.in_(wanted))).all())
    return render_template("shares/register.html", data=data, totals=totals(data),
                           waiting=waiting, names=names, member_id=member_id,
                           manager=manages(current_user, member_id), form=CallForm())


def _write(member_id: int, work, done) -> Response:
    """Run one use case in one transaction, then back to the register with what happened."""
    begin_write(db.session)
    try:
        result = work()
    except (AppError, ledger.LedgerError) as error:
        db.session.rollback()
        mapped = refusals.app_error(error) if isinstance(error, ledger.LedgerError) else error
        flash(mapped.message, "error")
        return redirect(url_for(".register", member_id=member_id))
    db.session.commit()
    flash(done(result), "success")
    return redirect(url_for(".register", member_id=member_id))


@bp.post(f"/registre/<{ID}:member_id>/appel")
def call_capital(member_id: int):
    """Call part of the uncalled capital: the same euros per share from every holder."""
    if not manages(current_user, member_id):
        raise NotFound(_("Cette structure n'a pas de capital en parts."))
    form = CallForm()

    def work():
        try:
            per_share = ledger.parse_amount(decimal_text(form.per_share.data), 2)
        except ledger.InvalidAmount:
            raise ValidationError({"per_share": [_("Un appel positif par part.")]},
                                  _("Un appel positif par part.")) from None
        return shares.call(db.session, member_id, per_share, by=current_user.id)
    return _write(member_id, work, lambda made: _(
        "Capital appelé auprès de %(n)s associés.", n=len(made)))


@bp.post(f"/demandes/<{ID}:request_id>/<any(approuver, refuser):decision>")
def decide(request_id: int, decision: str):
    """Approve (repaid at nominal, or transferred) or refuse a holder's request."""
    found = shares.request_of(db.session, request_id, current_user.member_ids(*HOLDERS))
    cooperative = found.cooperative_id
    approve = decision == "approuver"
    reason = (request.form.get("reason") or "").strip()[:2000]
    return _write(cooperative, lambda: shares.decide(
        db.session, found, approve, by=current_user.id, reason=reason),
        lambda r: _("Demande n° %(id)s approuvée.", id=r.id) if approve
        else _("Demande n° %(id)s refusée.", id=r.id))


class WithdrawalForm(FlaskForm):
    """A holder's request to withdraw some of its shares (the cooperative decides)."""

    shares = StringField(_l("Parts à retirer"))


def own_holdings() -> list[dict]:
    """Each member the caller acts for (admin or treasurer), in each cooperative whose shares
    it holds: its holding and its requests still waiting."""
    mine = subscribers(current_user)
    if not mine:
        return []
    pairs = db.session.execute(select(ShareEvent.cooperative_id, ShareEvent.member_id).where(
        ShareEvent.member_id.in_(mine)).distinct()).all()
    ids = {c for c, _m in pairs} | {m for _c, m in pairs}
    names = dict(db.session.execute(select(Member.id, Member.name).where(
        Member.id.in_(ids))).all()) if ids else {}
    waiting = db.session.scalars(select(ShareRequest).where(
        ShareRequest.member_id.in_(mine),
        ShareRequest.status == ShareRequestStatus.requested)).all()
    found = []
    for coop in sorted({c for c, _m in pairs}, key=lambda c: names.get(c, "")):
        held = shares.holdings(db.session, coop)
        for member in sorted((m for c, m in pairs if c == coop and m in held),
                             key=lambda m: names.get(m, "")):
            found.append({"cooperative_id": coop, "cooperative": names.get(coop, ""),
                          "member_id": member, "member": names.get(member, ""),
                          "holding": held[member],
                          "waiting": [r for r in waiting if r.cooperative_id == coop
                                      and r.member_id == member]})
    return found


@bp.get("/mes-parts")
def holdings():
    """The shares the caller's members hold, and a form to ask a withdrawal of some."""
    return render_template("shares/holdings.html", holdings=own_holdings(),
                           registers=kept_registers())


def kept_registers() -> list[tuple[int, str]]:
    """The cooperatives whose register the caller keeps (their admin or treasurer)."""
    mine = current_user.member_ids(*HOLDERS, acting="read")
    if not mine:
        return []
    return db.session.execute(select(Member.id, Member.name).join(
        CooperativeCapital, CooperativeCapital.member_id == Member.id).where(
        Member.id.in_(mine)).order_by(Member.name)).all()


@bp.post(f"/mes-parts/<{ID}:cooperative_id>/<{ID}:member_id>/retrait")
def ask_withdrawal(cooperative_id: int, member_id: int):
    """Ask the cooperative to approve a withdrawal of some of the member's shares."""
    if member_id not in subscribers(current_user):
        raise NotFound(_("Cette structure n'a pas de capital en parts."))
    form = WithdrawalForm()
    begin_write(db.session)
    try:
        units = form_number(form.shares.data)
        if units < 1:
            raise ValidationError({"shares": [_("Un nombre entier de parts, au moins 1.")]},
                                  _("Un nombre entier de parts, au moins 1."))
        asked = shares.ask(db.session, cooperative_id, member_id, "withdrawal", units,
                           by=current_user.id)
    except AppError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".holdings"))
    db.session.commit()
    flash(_("Demande n° %(id)s envoyée : la coopérative décidera du retrait.", id=asked.id),
          "success")
    return redirect(url_for(".holdings"))


protect(bp, {
    "subscription_form": may_subscribe,
    "subscribe": may_subscribe,
    "holdings": may_subscribe,
    "ask_withdrawal": may_subscribe,  # for a member the caller acts for (else 404)
    "register": signed_in,  # the cooperative's and the network's treasurers (else 404)
    "call_capital": signed_in,  # the cooperative's treasurers and admins (else 404)
    "decide": signed_in,  # the cooperative's treasurers and admins (shares.request_of)
})
