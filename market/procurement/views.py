"""Web pages of public procurement: the tenders, a tender and its lots, a lot with its
questions and (for its buyer) the structures and groupings that can answer it, the advice
on reserving it, its funnel and the answer to each question, and the notice import form.

Each write runs the same use case as the JSON API, in one transaction.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError

from market.auth.roles import Role
from market.members import labels as member_labels
from market.offers.labels import money
from market.offers.viewer import editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import (
    advice,
    cpv,
    funnel_chart,
    imports,
    labels,
    matches,
    opportunities,
    tenders,
)
from market.procurement.labels import day, language
from market.procurement.models import TenderStatus
from market.procurement.notice import NoticeError
from market.procurement.opportunities_schemas import LotQuestionAnswerInSchema
from market.web import navigation
from market.web.access import protect, public, signed_in
from market.web.errors import AppError, Forbidden, InvalidState, NotFound, ValidationError
from market.web.pagination import MAX_LIMIT

bp = Blueprint("procurement", __name__)
ID = "int(min=1, max=2147483647)"
BUYERS = (Role.buyer,)
#: Tenders the list shows at once (oldest deadline first).
PAGE_SIZE = 50
#: The largest notice file the import form takes (eForms notices are tens of kB).
MAX_NOTICE_BYTES = 5 * 1024 * 1024


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Marchés publics"), "procurement.tender_list", lambda user: True)


def reading_buyers() -> set[int]:
    """The buyers whose drafts the caller may read."""
    if not current_user.is_authenticated:
        return set()
    return current_user.member_ids(*BUYERS, acting="read")


def is_lot_buyer(lot) -> bool:
    """Whether the caller buys for the lot's buyer (or is a network admin)."""
    return current_user.is_authenticated and (
        lot.tender.buyer_id in reading_buyers() or current_user.has_role(Role.network_admin))


@bp.context_processor
def procurement_helpers() -> dict:
    """Labels and formatters for procurement's templates."""
    lang = language()
    return {"plabels": labels, "money": money, "day": day,
            "cpv_label": lambda code: cpv.label(code, lang),
            "sector_label": lambda code: member_labels.sector_label(code, lang)}


@bp.get("/marches")
def tender_list():
    """Published tenders, and the caller's own drafts."""
    mine = request.args.get("mine") == "1"
    page = tenders.list_tenders(db.session, reading_buyers(), mine=mine, limit=PAGE_SIZE,
                                cursor=request.args.get("cursor"))
    return render_template("procurement/tenders.html", page=page, mine=mine,
                           can_import=bool(editable_members(BUYERS)))


@bp.get(f"/marches/<{ID}:tender_id>")
def tender_page(tender_id: int):
    """A tender: its buyer, dates, documents and lots."""
    tender = tenders.visible_tender(db.session, tender_id, reading_buyers())
    return render_template("procurement/tender.html", tender=tender)


def lot_for_buyer(lot_id: int):
    """A lot the caller buys for (network admins: any); anyone else finds nothing."""
    lot = tenders.visible_lot(db.session, lot_id, reading_buyers(),
                              everyone=current_user.is_authenticated
                              and current_user.has_role(Role.network_admin))
    if not is_lot_buyer(lot):
        raise NotFound(_("Lot introuvable."))
    return lot


@bp.get(f"/lots/<{ID}:lot_id>")
def lot_page(lot_id: int):
    """A lot and its questions; its buyer also sees who can answer it (scored and
    explained), the advice on reserving it, and how far the told structures went."""
    return render_lot(tenders.visible_lot(db.session, lot_id, reading_buyers()))


def render_lot(lot, *, answers: dict | None = None, status: int = 200):
    """The lot page; ``answers``: a refused answer's text and messages by question id."""
    found = advised = funnel = None
    if is_lot_buyer(lot):
        lang = language()
        found = matches.matches_data(db.session, matches.lot_matches(db.session, lot), lang,
                                     lot.tender.buyer_id)
        if lot.status in (TenderStatus.draft, TenderStatus.published):
            advised = advice_data(advice.lot_advice(db.session, lot), lang)
        if lot.status != TenderStatus.draft:
            funnel = opportunities.funnel(db.session, lot)
            funnel["chart"] = funnel_chart.funnel_chart(funnel)
    questions = opportunities.list_questions(db.session, lot, limit=MAX_LIMIT).items
    return render_template("procurement/lot.html", lot=lot, tender=lot.tender, found=found,
                           advice=advised, funnel=funnel, questions=questions,
                           answering=found is not None
                           and lot.tender.buyer_id in editable_members(BUYERS),
                           answers=answers or {}), status


def advice_data(found: advice.LotAdvice, lang: str) -> dict:
    """The advice as the page shows it, its reasons in ``lang``."""
    said = found.advice
    return {"recommendation": said.recommendation, "reservation": said.reservation,
            "hours": said.hours, "reasons": [reason[lang] for reason in said.reasons],
            "answers": found.facts.answers, "clause_structures": found.facts.clause_structures,
            "thresholds": found.thresholds}


@bp.post(f"/lots/<{ID}:lot_id>/questions/<{ID}:question_id>/reponse")
def answer_question(lot_id: int, question_id: int):
    """The lot's buyer answers a question, once, for every told structure to read."""
    text = request.form.get("answer", "")
    begin_write(db.session)
    lot = lot_for_buyer(lot_id)
    question = opportunities.lot_question(db.session, lot, question_id)
    if lot.tender.buyer_id not in editable_members(BUYERS):
        raise Forbidden(_("Seul l'acheteur du lot répond à ses questions."))
    try:
        try:
            LotQuestionAnswerInSchema().load({"answer": text})
        except SchemaError:
            raise ValidationError({"answer": [_("Entre 1 et 2000 caractères, sans "
                                                "caractère de contrôle.")]}) from None
        opportunities.answer_question(db.session, lot, question, text)
    except (ValidationError, InvalidState) as error:
        db.session.rollback()
        found = error.fields.get("answer") if isinstance(error, ValidationError) else None
        lot = lot_for_buyer(lot_id)
        return render_lot(lot, answers={question_id: {"text": text, "errors": found
                                                      or [error.message]}},
                          status=error.status)
    db.session.commit()
    flash(_("Réponse publiée : les structures prévenues et celle qui a demandé la "
            "reçoivent."), "success")
    return redirect(url_for(".lot_page", lot_id=lot.id, _anchor="lot-questions-title"))


@bp.get(f"/lots/<{ID}:lot_id>/correspondances.csv")
def lot_matches_csv(lot_id: int):
    """The lot's matches as CSV, for its buyer."""
    lot = lot_for_buyer(lot_id)
    data = matches.matches_data(db.session, matches.lot_matches(db.session, lot), language(),
                                lot.tender.buyer_id)
    return Response(matches.matches_csv(data), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="lot-{lot.id}-matches.csv"'})


@bp.route("/marches/importer", methods=["GET", "POST"])
def import_notice():
    """Import an eForms notice or an OCDS package for one of the caller's buyers."""
    buyers = editable_members(BUYERS)
    if not buyers:
        abort(403)
    problems: list[str] = []
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_NOTICE_BYTES + 1) if upload is not None else b""
        if not data:
            problems = [_("Choisissez un fichier d'avis (XML eForms ou JSON OCDS).")]
        elif len(data) > MAX_NOTICE_BYTES:
            problems = [_("Ce fichier est trop gros (5 Mo au plus).")]
        else:
            try:
                return imported(imports.read(data))
            except NoticeError as error:
                problems = [error.message, *error.problems]
            except AppError as error:
                problems = [error.message]
        return render_template("procurement/import.html", problems=problems), 422
    return render_template("procurement/import.html", problems=problems)


def imported(notices) -> Response:
    """Write the notices' tenders for the chosen buyer; show the first one."""
    begin_write(db.session)
    buyer = writing_member(db.session, request.form.get("member"), BUYERS)
    done = [imports.import_notice(db.session, notice, buyer) for notice in notices]
    db.session.commit()
    created = sum(1 for d in done if d.created)
    flash(_("Avis importé : %(n)s appel(s) d'offres créé(s), %(m)s mis à jour.", n=created,
            m=len(done) - created), "success")
    return redirect(url_for(".tender_page", tender_id=done[0].tender.id))


protect(bp, {
    "tender_list": public,
    "tender_page": public,  # drafts only for their buyer's users (tenders.visible)
    "lot_page": public,  # matches, advice and funnel only for the lot's buyer (is_lot_buyer)
    "answer_question": signed_in,  # the lot's buyer, active (editable_members)
    "lot_matches_csv": signed_in,  # the lot's buyer and network admins (lot_for_buyer)
    "import_notice": signed_in,  # buyers of an active member (editable_members)
})
