"""Insertion hours on a contract: the structures report them month by month and category by
category (counted, never named), the territory's clause facilitator validates or questions
each report.

Each use case flushes and never commits: the caller starts it with
market.platform.database.begin_write and commits once.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market.members.models import Member
from market.notifications import services as notifications
from market.platform.time import now_utc
from market.procurement.contract_models import Contract, HoursReport, ReportStatus
from market.procurement.models import GroupingMember, InvitationStatus, Lot
from market.web.errors import Conflict, InvalidState, NotFound, ValidationError

#: Ids are 32-bit: a larger one finds nothing rather than failing in PostgreSQL.
MAX_ID = 2**31 - 1
#: Hours are kept to the hundredth ("151.67", a full-time month).
CENTS = Decimal("0.01")
#: (status, action) -> new status; anything else is refused (STYLE.md, item 8).
REVIEW_TRANSITIONS = {
    (ReportStatus.submitted, "validate"): ReportStatus.validated,
    (ReportStatus.submitted, "question"): ReportStatus.questioned,
}
#: A report that may be sent again (replaced); a validated one stands.
REPLACEABLE = frozenset({ReportStatus.submitted, ReportStatus.questioned})


def month_start(day: date | datetime) -> date:
    """The first day of the month ``day`` is in."""
    return date(day.year, day.month, 1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_text(month: date) -> str:
    """A month as the API writes it ("2026-11")."""
    return f"{month.year:04d}-{month.month:02d}"


def hours_text(value: Decimal | int) -> str:
    """Hours as a decimal string with two decimals ("151.67"), never a float."""
    return str(Decimal(value).quantize(CENTS))


def not_found() -> NotFound:
    return NotFound(_("Marché introuvable."))


def report_lot(session, report: HoursReport) -> Lot:
    """The lot of the contract a report is on."""
    return session.scalar(select(Lot).join(Contract, Contract.lot_id == Lot.id)
                          .where(Contract.id == report.contract_id))


def grouping_members(session, contract: Contract) -> set[int]:
    """The members of the contract's grouping that accepted to be in it (none alone)."""
    if contract.grouping_id is None:
        return set()
    return set(session.scalars(select(GroupingMember.member_id).where(
        GroupingMember.grouping_id == contract.grouping_id,
        GroupingMember.status == InvitationStatus.accepted)))


def workers(session, contract: Contract) -> set[int]:
    """The structures that work the contract: its holder and its grouping's members."""
    return {contract.holder_id} | grouping_members(session, contract)


def get_contract(session, contract_id: int) -> Contract | None:
    return session.get(Contract, contract_id) if 0 < contract_id <= MAX_ID else None


def reporting_contract(session, contract_id: int, member_id: int) -> Contract:
    """The contract ``contract_id`` if ``member_id`` works it; otherwise not found (another
    structure's contract is not told apart from a missing one)."""
    contract = get_contract(session, contract_id)
    if contract is None or member_id not in workers(session, contract):
        raise not_found()
    return contract


def check_month(month: date, contract: Contract, today: date) -> None:
    """Refuse a month that has not ended yet or that is before the contract's award."""
    if month >= month_start(today):
        raise ValidationError({"month": [_("Ce mois n'est pas terminé : on déclare les heures "
                                           "d'un mois écoulé.")]})
    awarded = month_start(contract.awarded_at)
    if month < awarded:
        raise ValidationError({"month": [_("Le marché a été attribué en %(month)s : pas "
                                           "d'heures avant ce mois.",
                                           month=month_text(awarded))]})


def report_hours(session, contract_id: int, member: Member, user_id: int | None, data: dict,
                 *, today: date | None = None) -> tuple[HoursReport, bool]:
    """Report ``member``'s hours on a contract for a month and a category of people: a new
    report (True), or the one already sent for them replaced and submitted again (False)."""
    contract = reporting_contract(session, contract_id, member.id)
    month = data["month"]
    check_month(month, contract, today or now_utc().date())
    key = (HoursReport.contract_id == contract.id, HoursReport.member_id == member.id,
           HoursReport.month == month, HoursReport.category == data["category"])
    report = session.scalar(select(HoursReport).where(*key).with_for_update(of=HoursReport))
    created = report is None
    if report is None:
        report = HoursReport(contract_id=contract.id, member_id=member.id, month=month,
                             category=data["category"])
    elif report.status not in REPLACEABLE:
        raise InvalidState(_("Ce relevé a été validé : il ne peut plus changer."))
    report.hours = data["hours"].quantize(CENTS)
    report.people = data["people"]
    report.status = ReportStatus.submitted
    report.reported_by = user_id
    report.reviewed_by = report.reviewed_at = None
    try:
        with session.begin_nested():  # a report sent at the same time by another request
            session.add(report)
    except IntegrityError:
        raise Conflict(_("Ce relevé vient d'être envoyé : rechargez et recommencez.")) from None
    return report, created


def reviewable_report(session, report_id: int, departments: set[str]):
    """The report ``report_id``, its contract and lot, if the lot is in ``departments``."""
    found = None
    if 0 < report_id <= MAX_ID and departments:
        found = session.execute(
            select(HoursReport, Contract, Lot)
            .join(Contract, Contract.id == HoursReport.contract_id)
            .join(Lot, Lot.id == Contract.lot_id)
            .where(HoursReport.id == report_id, Lot.department.in_(sorted(departments)))
            .with_for_update(of=HoursReport)).first()
    if found is None:
        raise NotFound(_("Relevé d'heures introuvable."))
    return found


def review_report(session, report_id: int, action: str, comment: str, reviewer_id: int,
                  departments: set[str], *, now: datetime | None = None) -> HoursReport:
    """Validate or question (``action``) a submitted report of a contract in the reviewer's
    ``departments``, and tell the reporting structure's people."""
    report, contract, lot = reviewable_report(session, report_id, departments)
    comment = comment.strip()
    if action == "question" and not comment:
        raise ValidationError({"comment": [_("Dites ce qui pose question.")]})
    status = REVIEW_TRANSITIONS.get((report.status, action))
    if status is None:
        raise InvalidState(_("Seul un relevé envoyé, pas encore examiné, se valide ou se "
                             "met en question."))
    report.status = status
    if comment or action == "question":
        report.comment = comment
    report.reviewed_by = reviewer_id
    report.reviewed_at = now or now_utc()
    session.flush()
    notifications.notify_member(
        session, report.member_id, "hours_reviewed",
        {"lot_title": lot.title, "month": month_text(report.month), "status": status.value},
        f"/contrats/{contract.id}")
    return report


def report_data(report: HoursReport, lot: Lot) -> dict:
    """A report (of a contract for ``lot``) as HoursReportSchema serialises it."""
    return {
        "id": report.id, "contract_id": report.contract_id,
        "lot": {"id": lot.id, "title": lot.title, "department": lot.department},
        "member": {"id": report.member.id, "name": report.member.name},
        "month": month_text(report.month), "category": report.category,
        "hours": hours_text(report.hours), "people": report.people, "status": report.status,
        "comment": report.comment,
        "reviewed_at": report.reviewed_at.isoformat() if report.reviewed_at else None,
        "created_at": report.created_at.isoformat() if report.created_at else None,
        "updated_at": report.updated_at.isoformat() if report.updated_at else None,
    }
