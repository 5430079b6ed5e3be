"""Web pages of orders: the order form on an offer page, my orders, an order with its ledger
transfer, its actions and the references after the trade.

Each write runs one use case in one transaction (begin_write ... commit), the same use case
as the JSON API. The offer page's include asks ``order_form_for(offer)`` (given to every
template) for what it shows, so the offer page's view knows nothing of orders.
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

import ledger
from ledger import idempotency as ledger_idempotency
from ledger.lookups import account_labels
from market.members.models import Member
from market.offers import geo
from market.offers import labels as offer_labels
from market.offers import services as offers
from market.offers import views as offer_views
from market.offers.models import Offer, OfferStatus
from market.offers.viewer import ORDER_PARTIES, editable_members, own_members, writing_member
from market.orders import forms, labels, references, services
from market.orders.models import Order, OrderState
from market.orders.references_api import ReferenceInSchema, ReplyInSchema
from market.orders.schemas import OrderInSchema
from market.platform.database import begin_write
from market.platform.extensions import db
from market.treasury import access as ledger_access
from market.web import navigation
from market.web.access import protect
from market.web.errors import AppError, NotFound, ValidationError

bp = Blueprint("orders", __name__)
ID = "int(min=1, max=2147483647)"
#: Orders each section of "my orders" lists (newest first).
MINE_LIMIT = 200


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


def trades(user) -> bool:
    return bool(user.member_ids(*ORDER_PARTIES, acting="read"))


navigation.add_link(N_("Commandes"), "orders.mine", trades)


@bp.app_context_processor
def order_includes() -> dict:
    """Give the includes other pages show (the order form, a member's references) their data."""
    return {"order_form_for": order_form_for, "reference_counts": reference_counts,
            "rating_labels": labels.RATINGS}


@bp.context_processor
def order_helpers() -> dict:
    """Orders' pages use the offers' formatters (and re-render the offer page)."""
    return {**offer_views.offer_helpers(), "order_labels": labels}


def reference_counts(member_id: int) -> dict[str, int]:
    return references.counts(db.session, member_id)


def buyers_for(offer: Offer) -> list[Member]:
    """The members the caller may order ``offer`` for (active ones, not its seller)."""
    ids = editable_members() - {offer.member_id}
    if not ids:
        return []
    return list(db.session.scalars(select(Member).where(Member.id.in_(ids))
                                   .order_by(Member.name, Member.id)))


def order_form_for(offer: Offer) -> dict | None:
    """What the offer page's order form shows: the form (the one just refused, if any), its
    payment parts and the cap; a sign-in link for visitors; None when there is no form."""
    if offer.status != OfferStatus.published or offer.member.status != "active":
        return None
    if not current_user.is_authenticated:
        return {"sign_in": url_for("auth.login", next=request.path)}
    members = buyers_for(offer)
    if not members:
        return None
    currencies = offers.currencies(db.session)
    form = g.get("order_form") or forms.build_form(offer, members, currencies)
    scale = currencies.get(offer.currency, {}).get("scale", 2)
    return {"form": form, "parts": forms.parts(form), "cap": forms.cap_text(offer, currencies),
            "currency": offer.currency, "has_errors": forms.has_errors(form),
            "unit_price": offer_labels.money(offer.price_minor, offer.currency, scale)}


def offer_from_form() -> Offer:
    raw = request.form.get("offer", "").strip()
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise NotFound(_("Offre introuvable."))
    return offers.visible_offer(db.session, int(raw), set())


@bp.post("/commandes")
def place():
    """Order an offer from its page; on error show the page again with what is wrong (422),
    nothing written. The same form sent again leads to the order it placed."""
    begin_write(db.session)
    offer = offer_from_form()
    members = buyers_for(offer)
    if not members:
        raise NotFound(_("Offre introuvable."))
    currencies = offers.currencies(db.session)
    form = forms.build_form(offer, members, currencies)
    if form.validate_on_submit():
        placed = submit(form, offer, currencies)
        if placed is not None:
            order_id, replayed = placed
            flash(_("Cette commande est déjà envoyée : la voici.") if replayed else
                  _("Commande envoyée au vendeur : il lui reste à l'accepter."), "success")
            return redirect(url_for(".order_page", order_id=order_id))
    db.session.rollback()
    g.order_form = form
    return offer_views.offer_page(offer.id), 422


def submit(form: forms.OrderForm, offer: Offer, currencies: dict) -> tuple[int, bool] | None:
    """Load the form as the API's body and place the order once per form key, committed:
    the order's id and whether it was placed before; None (the messages on the form,
    nothing written) when anything is refused."""
    key = forms.request_key(form)
    if key is None:
        form.form_errors.append(_("Ce formulaire n'est plus valable : rechargez la page."))
        return None
    data, part_fields = forms.payload(form, offer, currencies)
    try:
        loaded = OrderInSchema().load(data)
    except SchemaError as exc:
        forms.show_errors(form, exc.messages, part_fields)
        return None

    def work(_conn) -> dict:
        buyer = writing_member(db.session, form.member.data if "member" in form else None)
        order = services.request_order(db.session, offer, buyer, current_user.id, loaded)
        return {"order_id": order.id}

    # The key stands for this form as shown, whatever is typed in it before each submit.
    once = ledger.Idempotency(f"user:{current_user.id}", f"order-form:{key}", "order-form")
    try:
        result = ledger_idempotency.run(db.session.connection(), "order-form", None, once, work)
    except ValidationError as exc:
        db.session.rollback()
        forms.show_errors(form, exc.fields, part_fields)
        return None
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        form.form_errors.append(exc.message)
        return None
    db.session.commit()
    return result["order_id"], once.replayed


@bp.get("/commandes")
def mine():
    """The caller's members' orders, as buyer and as seller, newest first."""
    ids = own_members(ORDER_PARTIES)
    sections = []
    for side, column in ((services.BUYER, Order.buyer_member_id),
                         (services.SELLER, Order.seller_member_id)):
        rows = list(db.session.scalars(select(Order).where(column.in_(ids))
                                       .order_by(Order.id.desc()).limit(MINE_LIMIT + 1)))
        sections.append({"side": side, "orders": rows[:MINE_LIMIT],
                         "more": len(rows) > MINE_LIMIT})
    return render_template("orders/mine.html", sections=sections, scales=geo.scales(db.session))


@bp.get(f"/commandes/<{ID}:order_id>")
def order_page(order_id: int):
    """One order: its details, the ledger's transfer, the buttons of the caller's side."""
    order = services.get_order(db.session, order_id, own_members(ORDER_PARTIES))
    return render_order(order)


def render_order(order: Order, reference_form=None, reply_form=None, status: int = 200):
    """The order page (with a refused reference or reply form shown again)."""
    conn = db.session.connection()
    writing = editable_members(ORDER_PARTIES)
    acting = services.sides(order, writing)
    buttons = [(action, label) for action, label in labels.ACTIONS.items()
               if (OrderState(order.state), action) in services.ORDER_TRANSITIONS
               and services.ACTORS[action] & acting]
    transfer, accounts, readable = None, {}, False
    if order.transfer_id is not None:
        transfer = ledger.get_transfer(conn, order.transfer_id)
        accounts = account_labels(conn, {p[s] for p in transfer["postings"]
                                         for s in ("from", "to")})
        viewer = ledger_access.Viewer.of(current_user)
        readable = any(viewer.reads(a["owner_ref"]) for a in accounts.values())
    left = references.for_order(db.session, order)
    sides = {order.buyer_member_id, order.seller_member_id} & writing
    may_leave = [m for m in sorted(sides) if references.can_leave(db.session, order, m)]
    may_reply = [r for r in left if r.subject_member_id in writing and r.reply is None]
    page = render_template(
        "orders/order.html", order=order, buttons=buttons, transfer=transfer,
        accounts=accounts, transfer_readable=readable, scales=geo.scales(db.session),
        refusal=labels.refusal_text(order.refusal), deadline=services.hold_deadline(order),
        references=left, names=references.names(db.session, left),
        may_leave=may_leave, reference_form=reference_form or forms.ReferenceForm(),
        may_reply=may_reply, reply_form=reply_form or forms.ReplyForm(),
        viewer_sides=services.sides(order, own_members(ORDER_PARTIES)))
    return page, status


@bp.post(f"/commandes/<{ID}:order_id>/<any(accept, reject, cancel, deliver, confirm):action>")
def act(order_id: int, action: str):
    """Accept, reject, cancel, deliver or confirm an order, then back to its page."""
    begin_write(db.session)
    mine = editable_members(ORDER_PARTIES)
    order = services.get_order(db.session, order_id, mine, lock=True)
    try:
        services.act(db.session, order, action, services.sides(order, mine))
    except services.CommitThenRefuse as refused:
        db.session.commit()  # why it was refused (or that the hold expired) stands
        flash(refusal_message(action, refused.error), "error")
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(str(labels.DONE[action]), "success")
    return redirect(url_for(".order_page", order_id=order_id))


def refusal_message(action: str, error: Exception) -> str:
    """A refused step in one sentence."""
    if getattr(error, "details", {}).get("status") == "expired":
        return _("La réservation des fonds avait expiré : la commande est expirée.")
    return labels.refusal_text({"action": action, "code": getattr(error, "code", "")}) or str(error)


def author_from(form, candidates) -> int:
    """The member the caller writes a reference or reply for (a hidden field of the form)."""
    raw = (form.member.data or "").strip()
    if not raw.isdigit() or int(raw) not in candidates:
        raise NotFound(_("Commande introuvable."))
    return int(raw)


@bp.post(f"/commandes/<{ID}:order_id>/avis")
def leave_reference(order_id: int):
    """Leave the reference of one's member on the other side of a completed order."""
    begin_write(db.session)
    mine = editable_members(ORDER_PARTIES)
    order = services.get_order(db.session, order_id, mine, lock=True)
    form = forms.ReferenceForm()
    author = author_from(form, mine & {order.buyer_member_id, order.seller_member_id})
    try:
        data = ReferenceInSchema().load({"rating": form.rating.data or "",
                                         "comment": forms.text_of(form.comment)})
        references.leave(db.session, order, author, data["rating"], data["comment"])
    except SchemaError as exc:
        return refused_form(order, form, exc.messages, "reference", 422)
    except AppError as exc:
        return refused_form(order, form, problems(exc), "reference", exc.status)
    db.session.commit()
    flash(_("Votre référence est publiée."), "success")
    return redirect(url_for(".order_page", order_id=order_id, _anchor="references-title"))


@bp.post(f"/commandes/<{ID}:order_id>/avis/reponse")
def reply_reference(order_id: int):
    """Reply, once, to the reference left on this order about one's member."""
    begin_write(db.session)
    mine = editable_members(ORDER_PARTIES)
    order = services.get_order(db.session, order_id, mine, lock=True)
    form = forms.ReplyForm()
    subject = author_from(form, mine & {order.buyer_member_id, order.seller_member_id})
    found = references.about(db.session, order, subject, lock=True)
    try:
        data = ReplyInSchema().load({"reply": forms.text_of(form.reply)})
        references.reply(db.session, found, subject, data["reply"])
    except SchemaError as exc:
        return refused_form(order, form, exc.messages, "reply", 422)
    except AppError as exc:
        return refused_form(order, form, problems(exc), "reply", exc.status)
    db.session.commit()
    flash(_("Votre réponse est publiée."), "success")
    return redirect(url_for(".order_page", order_id=order_id, _anchor="references-title"))


def problems(exc: AppError) -> dict | str:
    """A refusal's field messages, or its message."""
    if exc.status in (403, 404):
        raise exc
    return exc.fields if isinstance(exc, ValidationError) else exc.message


def refused_form(order: Order, form, errors: dict | str, kind: str, status: int):
    """The order page again with the refused form's messages (nothing written)."""
    db.session.rollback()
    if isinstance(errors, str):
        form.form_errors.append(errors)
    else:
        forms.show_errors(form, errors, [])
    order = services.get_order(db.session, order.id, own_members(ORDER_PARTIES))
    if kind == "reference":
        return render_order(order, reference_form=form, status=status)
    return render_order(order, reply_form=form, status=status)


#: A side of orders: traders, or a public body's buyers (its catalogue purchases).
PARTY_READS = offer_views.trader("read", ORDER_PARTIES)
PARTY_WRITES = offer_views.trader("write", ORDER_PARTIES)

protect(bp, {
    "place": offer_views.trader("write"),  # for a member the caller writes for, not the seller
    "mine": PARTY_READS,  # the caller's members' orders only
    "order_page": PARTY_READS,  # a side's only (services.get_order: else 404)
    "act": PARTY_WRITES,  # the side ACTORS names (services.act)
    "leave_reference": PARTY_WRITES,  # a side of a completed order
    "reply_reference": PARTY_WRITES,  # the member spoken of
})
