"""Web pages of insertion hours: a contract's hours with the form its structures report them
with, the clause facilitator's desk that validates or questions the reports of their
territory, and the buyer's totals with their CSV.

Each write runs the same use case as the JSON API (market.procurement.hours), in one
transaction; a refused form shows the page again with its messages and what was typed.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError

from market.auth.access import network
from market.auth.roles import Role
from market.members.models import Member
from market.offers.viewer import TRADERS, editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.platform.time import now_utc
from market.procurement import facilitators, hours, hours_totals, labels
from market.procurement.hours_chart import hours_chart
from market.procurement.hours_schemas import HoursReportInSchema, HoursValidateInSchema
from market.web import navigation
from market.web.access import protect, signed_in
from market.web.errors import AppError, Forbidden, NotFound, ValidationError
from market.web.page_refusals import PASS_THROUGH, messages
from market.web.pagination import MAX_LIMIT

bp = Blueprint("procurement_hours", __name__)
ID = f"int(min=1, max={hours.MAX_ID})"
BUYERS = (Role.buyer,)
#: Reports the facilitator's desk shows at once (oldest first).
PAGE_SIZE = 50
#: The report form's fields, kept as typed when the form is refused.
REPORT_FIELDS = ("member", "month", "category", "hours", "people")
PEOPLE = re.compile(r"[0-9]{1,6}")


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Clauses sociales"), "procurement_hours.facilitator_desk",
                    lambda user: user.has_role(Role.clause_facilitator))
navigation.add_link(N_("Heures d'insertion"), "procurement_hours.buyer_totals",
                    lambda user: bool(user.member_ids(*BUYERS, acting="read")))


def month_label(text: str) -> str:
    """A month written "2025-02" as the page's language says it ("février 2025")."""
    return format_date(date(int(text[:4]), int(text[5:7]), 1), "LLLL y")


def percent(part: str, whole: str) -> str | None:
    """``part`` hours as a percentage of ``whole``, to one decimal (None when none is due)."""
    total = Decimal(whole)
    return None if total <= 0 else str((Decimal(part) * 100 / total).quantize(Decimal("0.1")))


@bp.context_processor
def hours_helpers() -> dict:
    """Labels and formatters for the hours' templates."""
    return {"plabels": labels, "month_label": month_label, "percent": percent,
            "category_label": lambda c: labels.PERSON_CATEGORIES.get(c, c)}


def load(schema, data: dict) -> dict:
    """``data`` loaded by ``schema``; its refusal as the application's validation error."""
    try:
        return schema.load(data)
    except SchemaError as exc:
        raise ValidationError(exc.messages) from None


# -- a contract's hours ----------------------------------------------------------------------

def readable(contract_id: int):
    """The contract and its lot if the caller may read its hours (else not found)."""
    return hours_totals.readable_contract(
        db.session, contract_id, members=current_user.member_ids(acting="read"),
        departments=facilitators.followed(db.session, current_user),
        everyone=current_user.has_role(Role.network_admin))


def category_totals(series: dict) -> list[dict]:
    """The contract's reported and validated hours of each category, in the list's order."""
    sums: dict[str, list[Decimal]] = {}
    for month in series["months"]:
        for category, figures in month["by_category"].items():
            found = sums.setdefault(category, [Decimal(0), Decimal(0)])
            found[0] += Decimal(figures["reported"])
            found[1] += Decimal(figures["validated"])
    return [{"category": c, "reported": hours.hours_text(sums[c][0]),
             "validated": hours.hours_text(sums[c][1])}
            for c in labels.PERSON_CATEGORIES if c in sums]


def correction(series: dict, writers: list[Member]) -> dict | None:
    """The questioned report ``?corriger=`` names, if the caller may send it again."""
    raw = request.args.get("corriger", "")
    ids = {m.id for m in writers}
    for report in series["reports"] if PEOPLE.fullmatch(raw) else ():
        if (report["id"] == int(raw) and report["status"] == "questioned"
                and report["member"]["id"] in ids):
            return report
    return None


def form_values(series: dict, writers: list[Member], last: str) -> tuple[dict, dict | None]:
    """The report form's values: the questioned report to correct, else the last month."""
    fixing = correction(series, writers)
    if fixing is None:
        return {"member": "", "month": last, "category": "", "hours": "", "people": "1"}, None
    return {"member": str(fixing["member"]["id"]), "month": fixing["month"],
            "category": fixing["category"], "hours": fixing["hours"],
            "people": str(fixing["people"])}, fixing


def show_contract(contract_id: int, *, values: dict | None = None, errors: dict | None = None,
                  status: int = 200):
    """Render a contract's hours page, with a refused report's values and messages if any."""
    contract, lot = readable(contract_id)
    series = hours_totals.contract_series(db.session, contract, lot)
    working = hours.workers(db.session, contract)
    writers = sorted((db.session.get(Member, i) for i in editable_members() & working),
                     key=lambda m: (m.name, m.id))
    last = hours.month_text(hours.month_start(now_utc().date()) - timedelta(days=1))
    fixing = None
    if values is None:
        values, fixing = form_values(series, writers, last)
    return render_template(
        "procurement/hours_contract.html", contract=contract, lot=lot, series=series,
        chart=hours_chart(series), categories=category_totals(series), writers=writers,
        reads_only=not writers and bool(current_user.member_ids(*TRADERS, acting="read")
                                        & working),
        values=values, errors=errors or {}, fixing=fixing, last_month=last,
        first_month=hours.month_text(hours.month_start(contract.awarded_at)),
        committed_percent=percent(series["validated_total"], series["committed"])), status


@bp.get(f"/contrats/<{ID}:contract_id>/heures")
def contract_hours(contract_id: int):
    """A contract's insertion hours: committed, reported and validated, by month and by
    category, its reports; its structures' people also get the form to report hours."""
    return show_contract(contract_id)


def report_from_form(form) -> dict:
    """The report the form says (hours may be written with a decimal comma)."""
    people = form.get("people", "").strip() or "1"
    data = {"month": form.get("month", "").strip(), "category": form.get("category", ""),
            "hours": form.get("hours", "").strip().replace(",", ".")}
    problems = {}
    if PEOPLE.fullmatch(people):
        data["people"] = int(people)
    else:
        problems["people"] = [_("Un nombre entier de personnes, de 1 à 10000.")]
    try:
        loaded = HoursReportInSchema().load(data)
    except SchemaError as exc:
        problems = {**exc.messages, **problems}
        if "category" in problems:
            problems["category"] = [_("Choisissez un public dans la liste.")]
    if problems:
        raise ValidationError(problems)
    return loaded


@bp.post(f"/contrats/<{ID}:contract_id>/heures")
def report_hours(contract_id: int):
    """Report (or send again) a structure's hours of an ended month for a category."""
    form = request.form
    values = {name: form.get(name, "")[:100] for name in REPORT_FIELDS}
    try:
        data = report_from_form(form)
        begin_write(db.session)
        member = writing_member(db.session, form.get("member") or None)
        _report, created = hours.report_hours(db.session, contract_id, member,
                                              current_user.id, data)
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        return show_contract(contract_id, values=values, errors=messages(error),
                             status=error.status)
    db.session.commit()
    flash(_("Heures envoyées : l'animateur de la clause sociale les examinera.") if created
          else _("Relevé remplacé et renvoyé à l'animateur de la clause sociale."), "success")
    return redirect(url_for(".contract_hours", contract_id=contract_id,
                            _anchor="hours-reports-title"))


# -- the facilitator's desk ------------------------------------------------------------------

def desk_filter() -> str:
    """The reports the desk shows (``statut``): those to review unless told otherwise."""
    wanted = request.values.get("statut") or "submitted"
    if wanted not in labels.REPORT_FILTERS:
        raise ValidationError({"statut": [_("Filtre de relevés inconnu.")]})
    return wanted


def show_desk(*, failed: dict | None = None, status: int = 200):
    """Render the desk; ``failed``: a refused review's report, action, comment, messages."""
    wanted = desk_filter()
    departments = facilitators.followed(db.session, current_user)
    page = hours_totals.facilitator_reports(
        db.session, departments, status=None if wanted == "all" else wanted,
        limit=PAGE_SIZE, cursor=request.args.get("cursor"))
    summary = hours_totals.facilitator_summary(db.session, departments, limit=MAX_LIMIT,
                                               cursor=None)
    return render_template(
        "procurement/hours_facilitator.html", reports=page.items,
        next_cursor=page.next_cursor, summary=summary.items, more=summary.next_cursor,
        territory=facilitators.territory_data(current_user.id, departments),
        wanted=wanted, failed=failed), status


@bp.get("/facilitateur")
def facilitator_desk():
    """The clause facilitator's territory, its reports to review and its contracts' hours."""
    return show_desk()


def review(report_id: int, action: str):
    """Validate or question a report from the desk's form (a refused one shows the desk)."""
    comment = request.form.get("comment", "")
    wanted = desk_filter()
    try:
        loaded = load(HoursValidateInSchema(), {"comment": comment})
        begin_write(db.session)
        hours.review_report(db.session, report_id, action, loaded["comment"], current_user.id,
                            facilitators.followed(db.session, current_user))
    except PASS_THROUGH:
        raise
    except AppError as error:
        db.session.rollback()
        found = messages(error)
        return show_desk(failed={"id": report_id, "action": action, "comment": comment[:2000],
                                 "messages": found.get("comment") or found.get("form")
                                 or [m for ms in found.values() for m in ms]},
                         status=error.status)
    db.session.commit()
    flash(_("Relevé validé : la structure est prévenue.") if action == "validate"
          else _("Question envoyée : la structure est prévenue et peut renvoyer son relevé."),
          "success")
    return redirect(url_for(".facilitator_desk", statut=wanted, _anchor="desk-reports-title"))


@bp.post(f"/facilitateur/releves/<{ID}:report_id>/valider")
def validate_report(report_id: int):
    """Validate a submitted report of the territory, with a remark if one is written."""
    return review(report_id, "validate")


@bp.post(f"/facilitateur/releves/<{ID}:report_id>/questionner")
def question_report(report_id: int):
    """Send a submitted report of the territory back with a question (required)."""
    return review(report_id, "question")


# -- the buyer's totals ----------------------------------------------------------------------

def buyer_choice() -> tuple[Member, list[Member]]:
    """The buyer the caller reads for (``?member=``, else their first) and all of them."""
    ids = current_user.member_ids(*BUYERS, acting="read")
    if not ids:
        raise Forbidden(_("Seuls les acheteurs publics suivent les heures de leurs marchés."))
    buyers = sorted((db.session.get(Member, i) for i in ids), key=lambda m: (m.name, m.id))
    requested = request.args.get("member") or ""
    if not requested:
        return buyers[0], buyers
    if not PEOPLE.fullmatch(requested):
        raise ValidationError({"member": [_("Identifiant de structure invalide.")]})
    for buyer in buyers:
        if buyer.id == int(requested):
            return buyer, buyers
    raise NotFound(_("Structure introuvable."))


@bp.get("/acheteur/heures")
def buyer_totals():
    """The buyer's contracts with their committed, reported and validated hours, by
    category, and the totals."""
    buyer, buyers = buyer_choice()
    data = hours_totals.buyer_hours(db.session, buyer)
    return render_template("procurement/hours_buyer.html", data=data, buyer=buyer,
                           buyers=buyers)


@bp.get("/acheteur/heures.csv")
def buyer_totals_csv():
    """The same totals as CSV (UTF-8), one line per contract and a total line."""
    buyer, _buyers = buyer_choice()
    body = hours_totals.buyer_hours_csv(hours_totals.buyer_hours(db.session, buyer))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="heures-insertion-{buyer.id}.csv"'})


protect(bp, {
    "contract_hours": signed_in,  # who hours_totals.readable_contract admits; others: 404
    "report_hours": signed_in,  # the contract's active structures (hours.reporting_contract)
    "facilitator_desk": network(Role.clause_facilitator),
    "validate_report": network(Role.clause_facilitator),  # of its department (reviewable)
    "question_report": network(Role.clause_facilitator),
    "buyer_totals": signed_in,  # users with the buyer role (buyer_choice)
    "buyer_totals_csv": signed_in,
})
