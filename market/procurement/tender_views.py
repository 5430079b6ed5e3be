"""Web pages of a buyer writing a tender: its form, its lots' forms, and the buttons that
delete a draft lot, publish the tender (its matched structures are told) or cancel it.

Each write runs the same use case as the JSON API (market.procurement.writing), in one
transaction; a refused form is shown again with what was typed and what is wrong (422),
nothing written. Another buyer's tender or lot is not found (404).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from market.auth.roles import Role
from market.members.models import Member
from market.offers.labels import money
from market.offers.viewer import editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import cpv, labels, nuts, tender_forms, tenders, writing
from market.procurement.labels import day, language
from market.procurement.models import Tender
from market.procurement.writing_schemas import LotInSchema, LotPatchSchema, TenderInSchema
from market.web.access import protect
from market.web.errors import AppError, InvalidState, ValidationError

bp = Blueprint("procurement_tenders", __name__)
ID = "int(min=1, max=2147483647)"
BUYERS = (Role.buyer,)


def buyer(user, view_args) -> bool:
    """Users holding the buyer role for an active member."""
    return user is not None and bool(user.member_ids(*BUYERS, acting="write"))


def caller_buyers() -> tuple[set[int], set[int]]:
    """The buyers the caller reads for (suspended ones too) and writes for (active)."""
    return (current_user.member_ids(*BUYERS, acting="read"),
            current_user.member_ids(*BUYERS, acting="write"))


def own_tender(tender_id: int, *, lock: bool = False) -> Tender:
    """A tender of the caller's buyers to write (another's: 404; a suspended one's: 403)."""
    return writing.own_tender(db.session, tender_id, *caller_buyers(), lock=lock)


def writes_tender(tender: Tender) -> bool:
    """Whether the caller writes ``tender`` (a buyer of its active public body)."""
    return current_user.is_authenticated and tender.buyer_id in editable_members(BUYERS)


@bp.app_context_processor
def tender_writing() -> dict:
    """Tell every page (the tender page is procurement's) who may act on a tender."""
    return {"writes_tender": writes_tender}


def cpv_label(code: str) -> str:
    """A CPV code's label in the page's language ("" if the code is not in the CPV)."""
    return cpv.label(code, language()) if cpv.is_known(code) else ""


@bp.context_processor
def tender_form_helpers() -> dict:
    """Labels and formatters for the forms (and the tender page shown again)."""
    return {"plabels": labels, "money": money, "day": day, "cpv_label": cpv_label,
            "departments": sorted(nuts.departments(),
                                  key=lambda d: d.code.replace("A", "0A").replace("B", "0B"))}


def loaded(schema, body: dict, errors: dict, rename) -> dict:
    """``body`` as ``schema`` loads it; its messages added to ``errors`` (by form field)."""
    try:
        return schema().load(body)
    except SchemaError as error:
        for name, texts in rename(tender_forms.flatten(error.messages)).items():
            errors.setdefault(name, []).extend(texts)
        return {}


def shown(errors: dict, known) -> list[str]:
    """The messages of ``errors`` that no field of the form shows (the summary lists them)."""
    return [m for name, texts in errors.items() if name not in known for m in texts]


# -- the tender ------------------------------------------------------------------------------

def tender_fields(values: dict) -> set[str]:
    """The tender form's field names, as its messages are keyed."""
    rows = tender_forms.document_rows(values)
    return {"member", "reference", "title", "description", "procedure", "published_on",
            "deadline", *(f"documents.{i}.{n}" for i in range(rows) for n in ("title", "url"))}


def render_tender_form(tender: Tender | None, values: dict, errors: dict | None = None,
                       status: int = 200, problem: str | None = None):
    """The tender form with what was typed and what is wrong."""
    errors = errors or {}
    members = []
    writable = editable_members(BUYERS)
    if tender is None and len(writable) > 1:
        members = list(db.session.scalars(select(Member).where(Member.id.in_(sorted(writable)))
                                          .order_by(Member.name, Member.id)))
    procedures = dict(labels.PROCEDURES)
    if tender is not None and tender.procedure and tender.procedure not in procedures:
        procedures[tender.procedure] = tender.procedure
    return render_template(
        "procurement/tender_form.html", tender=tender, values=values, errors=errors,
        stray=shown(errors, tender_fields(values)), problem=problem, members=members,
        procedures=procedures, document_rows=tender_forms.document_rows(values)), status


def tender_data(values: dict, current: str = "") -> tuple[dict, dict]:
    """The tender form's values as TenderInSchema loads them, and what is wrong."""
    errors: dict[str, list[str]] = {}
    allowed = {*labels.PROCEDURES, current} - {""}
    body, rows = tender_forms.tender_body(values, allowed, errors)
    data = loaded(TenderInSchema, body, errors,
                  lambda found: tender_forms.renamed(found, "documents", rows))
    return data, errors


@bp.route("/marches/nouveau", methods=["GET", "POST"])
def new_tender():
    """Write a draft tender for one of the caller's buyers."""
    if request.method == "GET":
        return render_tender_form(None, {"deadline_time": tender_forms.DEFAULT_HOUR})
    values = tender_forms.tender_values(request.form)
    data, errors = tender_data(values)
    if errors:
        return render_tender_form(None, values, errors, 422)
    begin_write(db.session)
    try:
        member = writing_member(db.session, values["member"].strip() or None, BUYERS)
        tender = writing.create_tender(db.session, member, data)
        db.session.commit()
    except (ValidationError, InvalidState) as error:
        db.session.rollback()
        return refused_tender(None, values, error)
    flash(_("Brouillon enregistré : ajoutez ses lots, puis publiez-le."), "success")
    return redirect(url_for("procurement.tender_page", tender_id=tender.id))


def refused_tender(tender_id: int | None, values: dict, error: AppError):
    """The tender form again after the service refused it."""
    tender = None if tender_id is None else own_tender(tender_id)
    if isinstance(error, ValidationError):
        return render_tender_form(tender, values, tender_forms.flatten(error.fields), 422)
    return render_tender_form(tender, values, status=error.status, problem=error.message)


@bp.route(f"/marches/<{ID}:tender_id>/modifier", methods=["GET", "POST"])
def edit_tender(tender_id: int):
    """Change a draft tender of the caller's (its documents: the whole list)."""
    if request.method == "GET":
        tender = own_tender(tender_id)
        writing.must_be_draft(tender.status)
        return render_tender_form(tender, tender_forms.stored_tender_values(tender))
    values = tender_forms.tender_values(request.form)
    begin_write(db.session)
    tender = own_tender(tender_id, lock=True)
    data, errors = tender_data(values, tender.procedure)
    if errors:
        db.session.rollback()
        return render_tender_form(own_tender(tender_id), values, errors, 422)
    try:
        writing.update_tender(db.session, tender, data)
        db.session.commit()
    except (ValidationError, InvalidState) as error:
        db.session.rollback()
        return refused_tender(tender_id, values, error)
    flash(_("Appel d'offres enregistré."), "success")
    return redirect(url_for("procurement.tender_page", tender_id=tender.id))


# -- its lots --------------------------------------------------------------------------------

LOT_FIELDS = {"lot_id", "title", "description", "cpv_main", "cpv_additional",
              "estimated_value", "duration_days", "reservation", "insertion_hours", "place",
              *(f"place.{name}" for name in tender_forms.PLACE_TEXTS), "criteria"}


def render_lot_form(tender: Tender, lot, values: dict, errors: dict | None = None,
                    status: int = 200, problem: str | None = None):
    """The lot form with what was typed and what is wrong."""
    errors = errors or {}
    rows = tender_forms.criterion_rows(values)
    known = LOT_FIELDS | {f"criteria.{i}.{n}" for i in range(rows)
                          for n in ("kind", "name", "weight")}
    return render_template(
        "procurement/lot_form.html", tender=tender, lot=lot, values=values, errors=errors,
        stray=shown(errors, known), problem=problem, criterion_rows=rows), status


def lot_data(values: dict, schema) -> tuple[dict, dict, dict]:
    """The lot form's values as ``schema`` loads them, the form rows, and what is wrong."""
    errors: dict[str, list[str]] = {}
    body, rows = tender_forms.lot_body(values)
    data = loaded(schema, body, errors, lambda found: tender_forms.lot_errors(found, rows))
    return data, rows, errors


def save_lot(tender: Tender, lot, values: dict):
    """Add (``lot`` None) or change the lot; the form again (nothing written) if refused."""
    data, rows, errors = lot_data(values, LotInSchema if lot is None else LotPatchSchema)
    problem, status = None, 422
    if not errors:
        try:
            saved = writing.add_lot(db.session, tender, data) if lot is None else \
                writing.update_lot(db.session, lot, data)
            db.session.commit()
            flash(_("Lot %(id)s enregistré.", id=saved.lot_id), "success")
            return redirect(url_for("procurement.tender_page", tender_id=tender.id,
                                    _anchor="tender-lots-title"))
        except ValidationError as error:
            errors = tender_forms.lot_errors(tender_forms.flatten(error.fields), rows)
        except InvalidState as error:
            problem, status = error.message, error.status
    tender_id, lot_id = tender.id, None if lot is None else lot.id
    db.session.rollback()
    tender = own_tender(tender_id)
    lot = next((x for x in tender.lots if x.id == lot_id), None)
    return render_lot_form(tender, lot, values, errors, status, problem)


@bp.route(f"/marches/<{ID}:tender_id>/lots/nouveau", methods=["GET", "POST"])
def new_lot(tender_id: int):
    """Add a lot to a draft tender of the caller's."""
    if request.method == "GET":
        tender = own_tender(tender_id)
        writing.must_be_draft(tender.status)
        return render_lot_form(tender, None, {"reservation": "none"})
    values = tender_forms.lot_values(request.form)
    begin_write(db.session)
    return save_lot(own_tender(tender_id, lock=True), None, values)


@bp.route(f"/lots/<{ID}:lot_id>/modifier", methods=["GET", "POST"])
def edit_lot(lot_id: int):
    """Change a draft lot of the caller's."""
    if request.method == "POST":
        values = tender_forms.lot_values(request.form)
        begin_write(db.session)
    lot = writing.own_lot(db.session, lot_id, *caller_buyers())
    if request.method == "GET":
        writing.must_be_draft(lot.status)
        return render_lot_form(lot.tender, lot, tender_forms.stored_lot_values(lot))
    return save_lot(lot.tender, lot, values)


@bp.post(f"/lots/<{ID}:lot_id>/supprimer")
def delete_lot(lot_id: int):
    """Remove a draft lot from its draft tender."""
    begin_write(db.session)
    lot = writing.own_lot(db.session, lot_id, *caller_buyers())
    tender_id, name = lot.tender_id, lot.lot_id
    try:
        writing.delete_lot(db.session, lot)
        db.session.commit()
    except InvalidState as error:
        db.session.rollback()
        return render_tender(tender_id, [error.message], None, error.status)
    flash(_("Lot %(id)s supprimé.", id=name), "success")
    return redirect(url_for("procurement.tender_page", tender_id=tender_id))


# -- publish, cancel -------------------------------------------------------------------------

def render_tender(tender_id: int, problems: list[str], message: str | None, status: int):
    """The tender page again, with why an action was refused."""
    tender = tenders.visible_tender(db.session, tender_id, caller_buyers()[0])
    return render_template("procurement/tender.html", tender=tender, problems=problems,
                           problem_message=message), status


def problems_of(error: AppError) -> list[str]:
    """A refusal's messages, each lot's named by its lot id."""
    if not isinstance(error, ValidationError):
        return [error.message]
    found = []
    for name, texts in error.fields.items():
        head, _dot, rest = name.partition(".")
        lot_id = rest.rpartition(".")[0] if head == "lots" and rest else ""
        found += [_("Lot %(id)s : %(message)s", id=lot_id, message=t) if lot_id else str(t)
                  for t in texts]
    return found


@bp.post(f"/marches/<{ID}:tender_id>/<any(publier, annuler):step>")
def tender_action(tender_id: int, step: str):
    """Publish a draft tender (its structures told, the best first) or cancel it."""
    action = {"publier": "publish", "annuler": "cancel"}[step]
    begin_write(db.session)
    tender = own_tender(tender_id, lock=True)
    try:
        writing.transition(db.session, tender, action)
        db.session.commit()
    except (ValidationError, InvalidState) as error:
        db.session.rollback()
        message = error.message if isinstance(error, ValidationError) else None
        return render_tender(tender_id, problems_of(error), message, error.status)
    flash(_("Appel d'offres publié : les structures qui peuvent y répondre sont prévenues, "
            "les mieux placées d'abord.") if action == "publish" else
          _("Appel d'offres annulé, avec ses lots."), "success")
    return redirect(url_for("procurement.tender_page", tender_id=tender_id))


protect(bp, {
    "new_tender": buyer,  # for one of the caller's active buyers (writing_member)
    "edit_tender": buyer,  # the caller's own drafts only (writing.own_tender)
    "new_lot": buyer,
    "edit_lot": buyer,  # writing.own_lot
    "delete_lot": buyer,
    "tender_action": buyer,
})
