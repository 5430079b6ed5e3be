"""JSON API of insertion hours: structures report them, clause facilitators review them, the
buyer and the facilitator read the totals; the facilitators' territories."""

from flask import Response
from flask_login import current_user

from market.auth.access import network
from market.auth.roles import Role
from market.offers.viewer import TRADERS, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import facilitators, hours, hours_totals
from market.procurement.hours_schemas import (
    BuyerHoursSchema,
    ContractHoursSchema,
    ContractTotalsPageSchema,
    DepartmentsInSchema,
    FacilitatorReportsArgsSchema,
    FacilitatorSchema,
    HoursMemberArgsSchema,
    HoursQuestionInSchema,
    HoursReportInSchema,
    HoursReportPageSchema,
    HoursReportSchema,
    HoursValidateInSchema,
)
from market.web.access import protect, signed_in
from market.web.jsonapi import Blueprint
from market.web.pagination import PageArgsSchema

blp = Blueprint("procurement_hours_api", __name__, url_prefix="/api/v1",
                description="Public procurement: insertion hours and clause facilitators")

ID = f"int(min=1, max={hours.MAX_ID})"
BUYERS = (Role.buyer,)


def my_departments() -> set[str]:
    return facilitators.followed(db.session, current_user)


# -- reports and reviews ---------------------------------------------------------------------

@blp.post(f"/contracts/<{ID}:contract_id>/hours")
@blp.arguments(HoursMemberArgsSchema, location="query")
@blp.arguments(HoursReportInSchema)
@blp.response(201, HoursReportSchema)
@blp.alt_response(200, schema=HoursReportSchema, description="A report replaced.",
                  success=True)
def report_hours(args: dict, data: dict, contract_id: int):
    """Report the insertion hours a structure (the holder or a member of its grouping,
    ``?member=``) worked on the contract in an ended month for a category of people; the
    same month and category again replace a report not validated yet (200)."""
    begin_write(db.session)
    member = writing_member(db.session, args["member"], TRADERS)
    report, created = hours.report_hours(db.session, contract_id, member, current_user.id,
                                         data)
    body = hours.report_data(report, hours.report_lot(db.session, report))
    db.session.commit()
    return body, 201 if created else 200


def review(report_id: int, action: str, comment: str) -> dict:
    begin_write(db.session)
    report = hours.review_report(db.session, report_id, action, comment, current_user.id,
                                 my_departments())
    body = hours.report_data(report, hours.report_lot(db.session, report))
    db.session.commit()
    return body


@blp.post(f"/hours/<{ID}:report_id>/validate")
@blp.arguments(HoursValidateInSchema)
@blp.response(200, HoursReportSchema)
def validate_report(data: dict, report_id: int):
    """Validate a submitted report of a contract in the facilitator's departments; its
    structure is told."""
    return review(report_id, "validate", data["comment"])


@blp.post(f"/hours/<{ID}:report_id>/question")
@blp.arguments(HoursQuestionInSchema)
@blp.response(200, HoursReportSchema)
def question_report(data: dict, report_id: int):
    """Send a submitted report back with a question (required); its structure is told and
    may send it again."""
    return review(report_id, "question", data["comment"])


# -- reads -----------------------------------------------------------------------------------

@blp.get(f"/contracts/<{ID}:contract_id>/hours")
@blp.response(200, ContractHoursSchema)
def contract_hours(contract_id: int):
    """The contract's hours month by month (reported, validated, cumulated) against the
    hours committed, and its reports: for its buyer, its structures, the facilitators of
    its department and network admins."""
    contract, lot = hours_totals.readable_contract(
        db.session, contract_id, members=current_user.member_ids(acting="read"),
        departments=my_departments(), everyone=current_user.has_role(Role.network_admin))
    return hours_totals.contract_series(db.session, contract, lot)


@blp.get("/facilitator/reports")
@blp.arguments(FacilitatorReportsArgsSchema, location="query")
@blp.response(200, HoursReportPageSchema)
def facilitator_reports(args: dict):
    """The reports of the contracts in the facilitator's departments (``?status=submitted``:
    those to review), oldest first."""
    page = hours_totals.facilitator_reports(db.session, my_departments(),
                                            status=args["status"], limit=args["limit"],
                                            cursor=args["cursor"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.get("/facilitator/summary")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ContractTotalsPageSchema)
def facilitator_summary(args: dict):
    """Each contract of the facilitator's departments: committed, reported and validated
    hours."""
    page = hours_totals.facilitator_summary(db.session, my_departments(),
                                            limit=args["limit"], cursor=args["cursor"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.get("/buyer/hours")
@blp.arguments(HoursMemberArgsSchema, location="query")
@blp.response(200, BuyerHoursSchema)
def buyer_hours(args: dict):
    """The buyer's contracts (``?member=``) with their committed, reported and validated
    hours, by category, and the totals."""
    buyer = writing_member(db.session, args["member"], BUYERS, "read")
    return hours_totals.buyer_hours(db.session, buyer)


@blp.get("/buyer/hours.csv")
@blp.arguments(HoursMemberArgsSchema, location="query")
@blp.response(200, content_type="text/csv")
def buyer_hours_csv(args: dict):
    """The same totals as CSV (UTF-8), one line per contract and a total line."""
    buyer = writing_member(db.session, args["member"], BUYERS, "read")
    body = hours_totals.buyer_hours_csv(hours_totals.buyer_hours(db.session, buyer))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="heures-insertion-{buyer.id}.csv"'})


# -- facilitators' territories ---------------------------------------------------------------

@blp.put(f"/facilitators/<{ID}:user_id>/departments")
@blp.arguments(DepartmentsInSchema)
@blp.response(200, FacilitatorSchema)
def put_facilitator_departments(data: dict, user_id: int):
    """Set the departments a clause facilitator follows (replacing the ones they did)."""
    begin_write(db.session)
    user = facilitators.facilitator_user(db.session, user_id)
    codes = facilitators.set_departments(db.session, user, data["departments"])
    db.session.commit()
    return facilitators.territory_data(user.id, codes)


@blp.get("/facilitators/me")
@blp.response(200, FacilitatorSchema)
def facilitator_me():
    """The departments the calling clause facilitator follows."""
    return facilitators.territory_data(current_user.id, my_departments())


protect(blp, {
    "report_hours": signed_in,  # the contract's structures' people (hours.reporting_contract)
    "validate_report": network(Role.clause_facilitator),  # of its department (reviewable)
    "question_report": network(Role.clause_facilitator),
    "contract_hours": signed_in,  # hours_totals.readable_contract
    "facilitator_reports": network(Role.clause_facilitator),
    "facilitator_summary": network(Role.clause_facilitator),
    "buyer_hours": signed_in,  # for a buyer the caller holds the buyer role for
    "buyer_hours_csv": signed_in,
    "put_facilitator_departments": network(Role.network_admin),
    "facilitator_me": network(Role.clause_facilitator),
})
