"""Web pages of a structure's opportunities: the lots it was told of, one lot with its answer
form and its questions, and the POST forms that answer, mark seen and ask.

A GET never writes: opening an opportunity does not mark it seen (answering does, or the
"mark as seen" button). Each write runs the same use case as the JSON API, in one
transaction; a refused form shows the page again with the messages and what was typed.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import or_, select

from market.offers.labels import money
from market.offers.viewer import editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import cpv, labels, opportunities
from market.procurement.labels import day, language
from market.procurement.models import (
    Grouping,
    GroupingMember,
    GroupingStatus,
    InvitationStatus,
    Lot,
)
from market.procurement.opportunities_schemas import (
    LotQuestionInSchema,
    OpportunityAnswerInSchema,
)
from market.procurement.outreach_models import Interest
from market.procurement.page_structures import chosen, structures_of
from market.web import navigation
from market.web.access import protect, signed_in
from market.web.errors import AppError, Forbidden, NotFound, ValidationError
from market.web.page_refusals import PASS_THROUGH, messages

bp = Blueprint("procurement_opportunities", __name__)
ID = "int(min=1, max=2147483647)"
#: Opportunities the list shows at once (newest notified first).
PAGE_SIZE = 50


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Opportunités"), "procurement_opportunities.opportunity_list",
                    lambda user: bool(structures_of(user)))


@bp.context_processor
def opportunity_helpers() -> dict:
    """Labels and formatters for the opportunities' templates (as procurement's pages)."""
    lang = language()
    return {"plabels": labels, "money": money, "day": day,
            "cpv_label": lambda code: cpv.label(code, lang)}


@bp.get("/opportunites")
def opportunity_list():
    """The lots the caller's structure was told of, newest first, by answer."""
    members = structures_of(current_user)
    if not members:
        raise Forbidden(_("Seules les structures d'insertion ou adaptées reçoivent des "
                          "opportunités."))
    member = chosen(members, request.args.get("member"))
    interest = request.args.get("interest") or None
    if interest is not None and interest not in labels.INTEREST_FILTERS:
        raise ValidationError({"interest": [_("Filtre de réponse inconnu.")]})
    page = opportunities.list_opportunities(db.session, member.id, interest=interest,
                                            limit=PAGE_SIZE, cursor=request.args.get("cursor"))
    return render_template("procurement/opportunities.html", page=page, member=member,
                           members=members, interest=interest,
                           lots=opportunities.lots_of(db.session, page.items))


def find_opportunity(lot_id: int, requested: str | None):
    """The caller's structure told of lot ``lot_id`` (the one asked, else the first told),
    its opportunity and the lot; NotFound for anyone else."""
    members = structures_of(current_user)
    if members and requested:
        members = [chosen(members, requested)]
    for member in members:
        try:
            row = opportunities.get_opportunity(db.session, member.id, lot_id)
        except NotFound:
            continue
        return member, row, db.session.get(Lot, row.lot_id)
    raise NotFound(_("Opportunité introuvable."))


def grouping_choices(member_id: int, lot: Lot) -> list[Grouping]:
    """The groupings the structure may answer with: accepted in, not dissolved, for no other
    lot (what opportunities.check_answer admits)."""
    return list(db.session.scalars(
        select(Grouping).join(GroupingMember).where(
            GroupingMember.member_id == member_id,
            GroupingMember.status == InvitationStatus.accepted,
            Grouping.status != GroupingStatus.dissolved,
            or_(Grouping.lot_id.is_(None), Grouping.lot_id == lot.id))
        .order_by(Grouping.name, Grouping.id)))


def saved_answer(row) -> dict:
    """The answer form's values from the structure's answer as saved."""
    return {"interest": row.interest or "", "reason": row.reason or "",
            "grouping_id": str(row.grouping_id or ""), "comment": row.comment or ""}


def show(lot_id: int, requested: str | None, *, answer: dict | None = None,
         answer_errors: dict | None = None, question: str = "",
         question_errors: dict | None = None, status: int = 200):
    """Render the opportunity page, with a refused form's values and messages if any."""
    member, row, lot = find_opportunity(lot_id, requested)
    questions = opportunities.list_questions(db.session, lot, limit=500).items
    return render_template(
        "procurement/opportunity.html", member=member, row=row, lot=lot, tender=lot.tender,
        open=opportunities.is_open(lot), can_write=member.id in editable_members(),
        groupings=grouping_choices(member.id, lot), questions=questions,
        answer=answer if answer is not None else saved_answer(row),
        answer_errors=answer_errors or {}, question=question,
        question_errors=question_errors or {}), status


@bp.get(f"/opportunites/<{ID}:lot_id>")
def opportunity_page(lot_id: int):
    """One opportunity: the lot, the structure's answer and the lot's questions."""
    return show(lot_id, request.args.get("member"))



#: What a field the answer schema refused says on the page (the schema speaks English).
FIELD_MESSAGES = {
    "interest": _l("Choisissez votre réponse."),
    "reason": _l("Choisissez une raison de la liste."),
    "grouping_id": _l("Groupement inconnu."),
    "comment": _l("Un commentaire de 2000 caractères au plus, sans caractère de contrôle."),
}


def answer_from_form(form) -> opportunities.Answer:
    """The answer the form says; a reason counts only with a refusal and a grouping only
    with an answer as a grouping (the form shows both fields to every choice)."""
    interest = form.get("interest", "")
    if interest not in {i.value for i in Interest}:
        raise ValidationError({"interest": [_("Choisissez votre réponse.")]})
    data = {"interest": interest, "comment": form.get("comment", "")}
    reason = form.get("reason", "")
    if interest == Interest.not_interested and reason:
        data["reason"] = reason
    grouping = form.get("grouping_id", "")
    if interest == Interest.as_grouping and grouping:
        if not grouping.isdigit() or len(grouping) > 10:
            raise ValidationError({"grouping_id": [_("Groupement inconnu.")]})
        data["grouping_id"] = int(grouping)
    try:
        loaded = OpportunityAnswerInSchema().load(data)
    except SchemaError as exc:
        raise ValidationError({name: [str(FIELD_MESSAGES.get(name, _("Valeur invalide.")))]
                               for name in exc.messages}) from None
    return opportunities.Answer(**loaded)


@bp.post(f"/opportunites/<{ID}:lot_id>/reponse")
def answer_opportunity(lot_id: int):
    """Record the structure's answer from the form (a refused one shows the page again)."""
    form = request.form
    values = {name: form.get(name, "") for name in ("interest", "reason", "grouping_id",
                                                      "comment")}
    try:
        said = answer_from_form(form)
        begin_write(db.session)
        member = writing_member(db.session, form.get("member") or None)
        _member, row, lot = find_opportunity(lot_id, str(member.id))
        opportunities.answer(db.session, row, lot, said)
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        return show(lot_id, form.get("member") or None, answer=values,
                    answer_errors=messages(error), status=error.status)
    db.session.commit()
    flash(_("Votre réponse est enregistrée : l'acheteur la voit."), "success")
    return redirect(url_for(".opportunity_page", lot_id=lot_id, member=member.id))


@bp.post(f"/opportunites/<{ID}:lot_id>/vue")
def mark_seen(lot_id: int):
    """Note that the structure read the opportunity (the first time only counts)."""
    begin_write(db.session)
    member = writing_member(db.session, request.form.get("member") or None)
    _member, row, _lot = find_opportunity(lot_id, str(member.id))
    opportunities.mark_seen(db.session, row)
    db.session.commit()
    flash(_("Opportunité marquée comme vue."), "success")
    return redirect(url_for(".opportunity_page", lot_id=lot_id, member=member.id))


@bp.post(f"/opportunites/<{ID}:lot_id>/questions")
def ask_question(lot_id: int):
    """Ask the lot's buyer a question from the form (answered for every structure)."""
    form = request.form
    text = form.get("question", "")
    try:
        try:
            loaded = LotQuestionInSchema().load({"question": text})
        except SchemaError:
            raise ValidationError({"question": [_("Entre 1 et 2000 caractères, sans "
                                                  "caractère de contrôle.")]}) from None
        begin_write(db.session)
        member = writing_member(db.session, form.get("member") or None)
        _member, _row, lot = find_opportunity(lot_id, str(member.id))
        opportunities.ask(db.session, lot, member, current_user.id, loaded["question"])
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        found = messages(error)
        return show(lot_id, form.get("member") or None, question=text,
                    question_errors={"question": found.get("question", found.get("form"))},
                    status=error.status)
    db.session.commit()
    flash(_("Question envoyée à l'acheteur : sa réponse sera lue par toutes les structures "
            "prévenues."), "success")
    return redirect(url_for(".opportunity_page", lot_id=lot_id, member=member.id,
                            _anchor="questions"))


protect(bp, {
    "opportunity_list": signed_in,  # structures' admins and staff (structures_of)
    "opportunity_page": signed_in,  # the structure told of the lot; anyone else: 404
    "answer_opportunity": signed_in,  # an active structure's admins and staff
    "mark_seen": signed_in,
    "ask_question": signed_in,  # an active structure of the directory (opportunities.ask)
})
