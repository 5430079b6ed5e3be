"""Web pages of wants, questions and favourites, and the includes the offer page shows.

Forms are loaded through the API's schemas, so a value is valid on a page exactly when it
is valid through the API. The offer page includes ``community/_questions.html``,
``community/_star.html`` and ``community/_renew.html``; what they need comes from
``community_helpers`` (given to every template).
"""

from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField

import ledger
from market.auth.redirects import safe_next
from market.members import labels as member_labels
from market.members.forms import normalise_amount, show_errors
from market.members.models import Member
from market.offers import favourites, geo, labels, questions, services, wants
from market.offers.community_api import acting_member, acting_members, writable_want
from market.offers.community_schemas import AnswerInSchema, QuestionInSchema, WantInSchema
from market.offers.models import Offer, OfferStatus, Reach
from market.offers.viewer import editable_members, own_members
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web import navigation
from market.web.access import protect, signed_in
from market.web.errors import AppError, ValidationError

bp = Blueprint("community", __name__)
ID = f"int(min=1, max={wants.MAX_ID})"
#: Fitting offers shown under each want on /mes-besoins.
OFFERS_PER_WANT = 5
RENEWABLE = (OfferStatus.published, OfferStatus.paused, OfferStatus.expired)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


def acts_for_a_member(user) -> bool:
    return bool(user.member_ids(acting="read"))


navigation.add_link(N_("Mes besoins"), "community.wants_page", acts_for_a_member)
navigation.add_link(N_("Favoris"), "community.favourites_page", acts_for_a_member)


# -- what the includes need ------------------------------------------------------------------

def starring_member() -> int | None:
    """The member whose stars the buttons show and change: the caller's first active one."""
    members = acting_members("write") if current_user.is_authenticated else set()
    return min(members) if members else None


def stars(member_id: int) -> tuple[set[int], set[int]]:
    """The offers and members ``member_id`` starred (read once per request)."""
    if "community_stars" not in g:
        g.community_stars = favourites.starred(db.session, {member_id})
    return g.community_stars


def star_state(offer=None, member=None) -> dict | None:
    """The star button of ``offer`` or ``member``: who stars, whether it is starred; None
    when there is no button to show (nobody to star for, or one's own structure)."""
    starrer = starring_member()
    if starrer is None or (member is not None and member.id == starrer):
        return None
    offers, members = stars(starrer)
    on = offer.id in offers if offer is not None else member.id in members
    return {"member_id": starrer, "starred": on}


def offer_questions(offer: Offer) -> dict:
    """The questions of the offer page, and what the caller may do with them."""
    readable, writable = acting_members("read"), acting_members("write")
    askers = sorted(writable - {offer.member_id})
    return {"questions": questions.visible_questions(db.session, offer, readable),
            "seller": offer.member_id in editable_members(),
            "askers": [db.session.get(Member, i) for i in askers]
            if offer.status == OfferStatus.published else []}


@bp.app_context_processor
def community_helpers() -> dict:
    """Give the offer page's includes their data (computed only when they ask)."""
    return {"offer_questions": offer_questions, "star_state": star_state,
            "can_renew": can_renew}


def can_renew(offer: Offer) -> bool:
    """Whether the caller may renew ``offer``: its seller's, with an end date or expired."""
    return offer.member_id in editable_members() and offer.status in RENEWABLE and (
        offer.valid_until is not None or offer.status == OfferStatus.expired)


# -- wants -----------------------------------------------------------------------------------

class WantForm(FlaskForm):
    """A want as its member writes it on /mes-besoins."""

    member = SelectField(_l("Pour la structure"), validate_choice=False)
    title = StringField(_l("Ce que vous cherchez"))
    keywords = StringField(_l("Mots-clés (tous présents dans l'offre)"))
    sector = SelectField(_l("Secteur"), validate_choice=False)
    kind = SelectField(_l("Type d'offre"), validate_choice=False)
    reach = SelectField(_l("Provenance acceptée"), validate_choice=False)
    radius_km = StringField(_l("Rayon en kilomètres (provenance locale)"))
    budget = StringField(_l("Prix unitaire maximal en euros"))
    until = StringField(_l("Jusqu'au (facultatif)"))
    latitude = StringField(_l("Latitude (vide : le lieu de votre structure)"))
    longitude = StringField(_l("Longitude (vide : le lieu de votre structure)"))


def want_form(members: list[Member], want=None) -> WantForm:
    """The form, filled from ``want`` when editing (the member choice only when creating)."""
    data = None if want is None else {
        "title": want.title, "keywords": want.keywords, "sector": want.sector_code or "",
        "kind": want.kind or "", "reach": want.reach, "radius_km": str(want.radius_km or ""),
        "budget": ledger.format_amount(want.budget_minor, 2) or "",
        "until": want.until.date().isoformat() if want.until else "",
        "latitude": str(want.latitude or ""), "longitude": str(want.longitude or "")}
    form = WantForm(data=data) if data else WantForm()
    language = get_locale().language if get_locale() else "fr"
    form.sector.choices = [SelectChoice("", _("Tous les secteurs"))] + [
        SelectChoice(code, label, optgroup=group)
        for group, options in member_labels.sector_choices(language).items()
        for code, label in options]
    form.kind.choices = [("", _("Tous"))] + [(k, str(v)) for k, v in labels.KINDS.items()]
    form.reach.choices = [(r, str(v)) for r, v in labels.REACHES.items()]
    if want is None and len(members) > 1:
        form.member.choices = [(str(m.id), m.name) for m in members]
    else:
        del form.member
    if want is None and not form.reach.data:
        form.reach.data = Reach.regional.value
    return form


def want_payload(form: WantForm) -> dict:
    """The submitted form in the API's input shape."""
    raw = {f.name: (f.data or "").strip() for f in form if f.name not in ("csrf_token",
                                                                          "member")}
    data = {"title": raw["title"], "keywords": raw["keywords"], "reach": raw["reach"]}
    for name in ("sector", "kind", "radius_km", "budget", "until", "latitude", "longitude"):
        data[name] = raw[name] or None
    if data["radius_km"] and data["radius_km"].isdigit() and len(data["radius_km"]) < 6:
        data["radius_km"] = int(data["radius_km"])
    if data["budget"]:
        data["budget"] = normalise_amount(data["budget"])
    for name in ("latitude", "longitude"):
        if data[name]:
            data[name] = data[name].replace(",", ".")
    if data["until"]:
        try:
            data["until"] = f"{date.fromisoformat(data['until'])}T23:59:59+00:00"
        except ValueError:
            pass  # the schema says what is wrong with it
    return data


def save_want(form: WantForm, member: Member | None, want=None) -> bool:
    """Load the form through the API's schema and write the want; False on any error."""
    try:
        if want is None:
            data = WantInSchema().load(want_payload(form))
            wants.create_want(db.session, member, current_user.id, data)
        else:
            data = WantInSchema(partial=True).load(want_payload(form))
            wants.update_want(db.session, want, data)
    except SchemaError as exc:
        show_errors(form, exc.messages)
    except ValidationError as exc:
        show_errors(form, exc.details.get("fields", {}))
    except AppError as exc:
        form.form_errors.append(exc.message)
    else:
        return True
    db.session.rollback()
    return False


def wants_listing() -> list[tuple]:
    """The caller's wants, each with its first fitting offers."""
    page = wants.list_wants(db.session, acting_members("read"), limit=100)
    return [(w, wants.matching_offers(db.session, w, limit=OFFERS_PER_WANT).items)
            for w in page.items]


def page_context() -> dict:
    """What the pages show offers and wants with: labels, prices, sectors."""
    scales = geo.scales(db.session)
    language = get_locale().language if get_locale() else "fr"
    return {"labels": labels, "price": lambda offer: labels.price_label(offer, scales),
            "money": lambda minor, code: labels.money(minor, code, scales.get(code, 2)),
            "sector_label": lambda code: member_labels.sector_label(code, language)}


def render_wants(form: WantForm, status: int = 200):
    return render_template("community/wants.html", form=form, listing=wants_listing(),
                           can_write=bool(acting_members("write")), **page_context()), status


@bp.get("/mes-besoins")
def wants_page():
    """The caller's wants, the offers fitting each, and the form to add one."""
    members = [db.session.get(Member, i) for i in sorted(acting_members("write"))]
    return render_wants(want_form(members))


@bp.post("/mes-besoins")
def create_want():
    """Add a want; on error show the page again, the form as sent, and write nothing."""
    begin_write(db.session)
    members = [db.session.get(Member, i) for i in sorted(acting_members("write"))]
    form = want_form(members)
    member = acting_member(db.session, form.member.data if form.member else None)
    if save_want(form, member):
        db.session.commit()
        flash(_("Le besoin est enregistré."), "success")
        return redirect(url_for(".wants_page"))
    return render_wants(form, 422)


@bp.route(f"/mes-besoins/<{ID}:want_id>/modifier", methods=["GET", "POST"])
def edit_want(want_id: int):
    """Change a want; on error show the form again and write nothing."""
    if request.method == "POST":
        begin_write(db.session)
    want = writable_want(db.session, want_id)
    form = want_form([], want)
    if request.method == "POST" and save_want(form, None, want):
        db.session.commit()
        flash(_("Le besoin est enregistré."), "success")
        return redirect(url_for(".wants_page"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("community/want_edit.html", form=form, want=want,
                           **page_context()), status


@bp.post(f"/mes-besoins/<{ID}:want_id>/supprimer")
def delete_want(want_id: int):
    """Remove a want."""
    begin_write(db.session)
    wants.delete_want(db.session, writable_want(db.session, want_id))
    db.session.commit()
    flash(_("Le besoin est supprimé."), "info")
    return redirect(url_for(".wants_page"))


@bp.get("/mes-offres/besoins")
def offer_wants_page():
    """For each published offer of the caller's members, the wants it could answer."""
    offers = db.session.scalars(select(Offer).where(
        Offer.member_id.in_(sorted(own_members())), Offer.status == OfferStatus.published)
        .order_by(Offer.id.desc()).limit(200)).all()
    listing = [(o, wants.wants_for_offer(db.session, o)) for o in offers]
    return render_template("community/offer_wants.html", listing=listing, **page_context())


# -- questions, stars, renewal: the offer page's forms ---------------------------------------

@bp.post(f"/offres/<{ID}:offer_id>/questions")
def ask_question(offer_id: int):
    """Ask the seller; on error show the question again with what is wrong."""
    begin_write(db.session)
    member = acting_member(db.session, request.form.get("member") or None)
    offer = services.visible_offer(db.session, offer_id, acting_members("read"))
    try:
        data = QuestionInSchema().load({"text": request.form.get("text", "")})
        question = questions.ask(db.session, offer, member, current_user.id, data["text"])
    except (SchemaError, AppError) as exc:
        db.session.rollback()
        return question_form(offer, "text", exc), 422
    db.session.commit()
    flash(_("Votre question est envoyée au vendeur."), "success")
    return redirect(url_for("offers.offer_page", offer_id=offer.id,
                            _anchor=f"question-{question.id}"))


@bp.post(f"/questions/<{ID}:question_id>/reponse")
def answer_question(question_id: int):
    """Answer a question on one of the caller's offers; on error show it again."""
    begin_write(db.session)
    question, offer = questions.answerable(db.session, question_id, acting_members("read"),
                                           editable_members())
    try:
        data = AnswerInSchema().load({"answer": request.form.get("answer", "")})
        questions.answer(db.session, question, offer, data["answer"])
    except (SchemaError, AppError) as exc:
        db.session.rollback()
        return question_form(offer, "answer", exc, question), 422
    db.session.commit()
    flash(_("La réponse est publiée."), "success")
    return redirect(url_for("offers.offer_page", offer_id=offer.id,
                            _anchor=f"question-{question.id}"))


def question_form(offer: Offer, field: str, exc: Exception, question=None):
    """The question (or answer) form again, with the text sent and what is wrong with it."""
    if isinstance(exc, SchemaError):
        errors = [str(m) for m in exc.messages.get(field, [])] or [_("Texte invalide.")]
    elif isinstance(exc, ValidationError):
        errors = [str(m) for ms in exc.fields.values() for m in ms]
    else:
        errors = [exc.message]
    return render_template("community/question_form.html", offer=offer, field=field,
                           question=question, errors=errors,
                           sent=request.form.get(field, "")[:questions.TEXT_MAX + 100],
                           member=request.form.get("member", ""))


def back(default: str) -> str:
    return safe_next(request.form.get("next")) or default


@bp.post(f"/favoris/offres/<{ID}:offer_id>")
def toggle_offer_star(offer_id: int):
    """Star or unstar an offer, then come back."""
    begin_write(db.session)
    member = acting_member(db.session, request.form.get("member") or None)
    offer = favourites.visible_offer(db.session, offer_id, member.id)
    now = favourites.toggle(db.session, member.id, offer_id=offer.id)
    db.session.commit()
    flash(_("Offre ajoutée aux favoris.") if now else _("Offre retirée des favoris."), "info")
    return redirect(back(url_for("offers.offer_page", offer_id=offer.id)))


@bp.post(f"/favoris/membres/<{ID}:member_id>")
def toggle_member_star(member_id: int):
    """Star or unstar a member, then come back."""
    begin_write(db.session)
    member = acting_member(db.session, request.form.get("member") or None)
    starred = favourites.visible_member(db.session, member_id, member.id)
    now = favourites.toggle(db.session, member.id, starred_member_id=starred.id)
    db.session.commit()
    flash(_("Structure ajoutée aux favoris.") if now else _("Structure retirée des favoris."),
          "info")
    return redirect(back(url_for("members.profile", member_id=starred.id)))


@bp.get("/favoris")
def favourites_page():
    """The offers and members the caller's member starred."""
    readable = acting_members("read")
    chosen = request.args.get("member") or starring_member() or min(readable, default=None)
    member = acting_member(db.session, chosen, "read")
    page = favourites.list_favourites(db.session, member.id, limit=500)
    shown = favourites.loaded(db.session, page.items)
    return render_template("community/favourites.html", member=member,
                           offers=[t for f, t in shown if f.offer_id is not None],
                           members=[t for f, t in shown if f.offer_id is None],
                           **page_context())


@bp.post(f"/offres/<{ID}:offer_id>/prolonger")
def renew_offer(offer_id: int):
    """Renew one of the caller's offers (its end date pushed ahead), back to its page."""
    begin_write(db.session)
    offer = services.own_offer(db.session, offer_id, editable_members())
    services.transition(db.session, offer, "renew")
    db.session.commit()
    flash(_("L'offre est prolongée jusqu'au %(day)s.",
            day=offer.valid_until.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("offers.offer_page", offer_id=offer.id))


protect(bp, {
    "wants_page": signed_in,  # the caller's members' wants only (acting_members)
    "create_want": signed_in,
    "edit_want": signed_in,
    "delete_want": signed_in,
    "offer_wants_page": signed_in,
    "ask_question": signed_in,
    "answer_question": signed_in,  # the seller's admins and staff (questions.answerable)
    "toggle_offer_star": signed_in,
    "toggle_member_star": signed_in,
    "favourites_page": signed_in,
    "renew_offer": signed_in,  # the seller's admins and staff (services.own_offer)
})
