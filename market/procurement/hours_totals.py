"""Insertion hours read back: a contract's monthly series against its commitment, the
facilitator's queue and territory, the buyer's totals and their CSV export.

Hours are summed as Decimals in Python, row by row, so that both databases give the same
exact figures (SQLite's SUM would go through floats).
"""

import csv
import io
from collections import defaultdict
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from market.members.models import Member
from market.procurement.contract_models import (
    Contract,
    HoursReport,
    PersonCategory,
    ReportStatus,
)
from market.procurement.hours import (
    get_contract,
    hours_text,
    month_start,
    month_text,
    next_month,
    report_data,
    workers,
)
from market.procurement.matches import cell
from market.procurement.models import Lot
from market.web.errors import NotFound
from market.web.pagination import Page, paginate

ZERO = Decimal(0)


def readable_contract(session, contract_id: int, *, members: set[int],
                      departments: set[str], everyone: bool = False) -> tuple[Contract, Lot]:
    """The contract and its lot if the caller may read its hours: its buyer's, holder's or
    grouping members' people (``members``), the facilitators of its department, admins."""
    contract = get_contract(session, contract_id)
    lot = session.get(Lot, contract.lot_id) if contract is not None else None
    if contract is None or not (
            everyone or lot.department in departments
            or contract.buyer_id in members
            or members & workers(session, contract)):
        raise NotFound(_("Marché introuvable."))
    return contract, lot


def sums(rows) -> dict:
    """Reported and validated hours of (category, status, hours) rows, and by category."""
    reported, validated = ZERO, ZERO
    by_category: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for category, status, hours in rows:
        reported += hours
        by_category[category][0] += hours
        if status == ReportStatus.validated:
            validated += hours
            by_category[category][1] += hours
    return {"reported": reported, "validated": validated,
            "by_category": {c: {"reported": hours_text(r), "validated": hours_text(v)}
                            for c, (r, v) in sorted(by_category.items())}}


def contract_series(session, contract: Contract, lot: Lot) -> dict:
    """The contract's hours month by month, from its award month to the last one reported:
    reported, validated and the cumulated validated hours, against the committed ones."""
    reports = list(session.scalars(
        select(HoursReport).where(HoursReport.contract_id == contract.id)
        .order_by(HoursReport.month, HoursReport.member_id, HoursReport.category)))
    by_month = defaultdict(list)
    for r in reports:
        by_month[r.month].append((r.category, r.status, r.hours))
    months, cumulated, cumulated_reported = [], ZERO, ZERO
    if reports:
        month, last = min(month_start(contract.awarded_at), reports[0].month), reports[-1].month
        while month <= last:
            total = sums(by_month.get(month, []))
            cumulated += total["validated"]
            cumulated_reported += total["reported"]
            months.append({"month": month_text(month),
                           "reported": hours_text(total["reported"]),
                           "validated": hours_text(total["validated"]),
                           "cumulated_reported": hours_text(cumulated_reported),
                           "cumulated_validated": hours_text(cumulated),
                           "by_category": total["by_category"]})
            month = next_month(month)
    return {"contract_id": contract.id, "lot_title": lot.title, "department": lot.department,
            "committed": hours_text(contract.insertion_hours),
            "reported_total": hours_text(cumulated_reported),
            "validated_total": hours_text(cumulated),
            "months": months, "reports": [report_data(r, lot) for r in reports]}


def in_departments(stmt, departments: set[str]):
    """``stmt`` (over reports or contracts) limited to the contracts of ``departments``."""
    return stmt.join(Lot, Lot.id == Contract.lot_id).where(
        Lot.department.in_(sorted(departments)))


def facilitator_reports(session, departments: set[str], *, status: str | None, limit: int,
                        cursor: str | None) -> Page:
    """The reports of the contracts in ``departments`` (of ``status`` if given), oldest
    first; each item is (report, lot)."""
    stmt = in_departments(select(HoursReport).join(
        Contract, Contract.id == HoursReport.contract_id), departments)
    if status:
        stmt = stmt.where(HoursReport.status == status)
    page = paginate(session, stmt, HoursReport.id, limit=limit, cursor=cursor)
    lots = lots_of(session, {r.contract_id for r in page.items})
    return Page([report_data(r, lots[r.contract_id]) for r in page.items], page.next_cursor)


def lots_of(session, contract_ids: set[int]) -> dict[int, Lot]:
    """Each contract's lot."""
    if not contract_ids:
        return {}
    return dict(session.execute(select(Contract.id, Lot).join(Lot, Lot.id == Contract.lot_id)
                                .where(Contract.id.in_(sorted(contract_ids)))).all())


def contract_totals(session, contracts: list[Contract]) -> list[dict]:
    """For each contract: its lot, buyer, holder, committed, reported and validated hours,
    and by category."""
    ids = sorted(c.id for c in contracts)
    rows = defaultdict(list)
    if ids:
        for contract_id, category, status, hours in session.execute(
                select(HoursReport.contract_id, HoursReport.category, HoursReport.status,
                       HoursReport.hours).where(HoursReport.contract_id.in_(ids))):
            rows[contract_id].append((category, status, hours))
    lots = lots_of(session, set(ids))
    items = []
    for c in contracts:
        total, lot = sums(rows[c.id]), lots[c.id]
        items.append({
            "contract_id": c.id, "lot": {"id": lot.id, "title": lot.title,
                                         "department": lot.department},
            "buyer": {"id": c.buyer.id, "name": c.buyer.name},
            "holder": {"id": c.holder.id, "name": c.holder.name},
            "committed": hours_text(c.insertion_hours),
            "reported": hours_text(total["reported"]),
            "validated": hours_text(total["validated"]),
            "by_category": total["by_category"]})
    return items


def facilitator_summary(session, departments: set[str], *, limit: int,
                        cursor: str | None) -> Page:
    """The contracts of ``departments`` with their committed, reported and validated hours."""
    stmt = in_departments(select(Contract), departments)
    page = paginate(session, stmt, Contract.id, limit=limit, cursor=cursor)
    return Page(contract_totals(session, page.items), page.next_cursor)


def buyer_hours(session, buyer: Member) -> dict:
    """Every contract of ``buyer`` with its hours, and their totals."""
    contracts = list(session.scalars(select(Contract).where(Contract.buyer_id == buyer.id)
                                     .order_by(Contract.id)))
    items = contract_totals(session, contracts)
    committed = sum((Decimal(c.insertion_hours) for c in contracts), ZERO)
    reported = sum((Decimal(i["reported"]) for i in items), ZERO)
    validated = sum((Decimal(i["validated"]) for i in items), ZERO)
    by_category: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for item in items:
        for category, hours in item["by_category"].items():
            by_category[category][0] += Decimal(hours["reported"])
            by_category[category][1] += Decimal(hours["validated"])
    return {"member": {"id": buyer.id, "name": buyer.name}, "items": items,
            "totals": {"committed": hours_text(committed), "reported": hours_text(reported),
                       "validated": hours_text(validated),
                       "by_category": {c: {"reported": hours_text(r),
                                           "validated": hours_text(v)}
                                       for c, (r, v) in sorted(by_category.items())}}}


def buyer_hours_csv(data: dict) -> str:
    """The buyer's totals as CSV: one line per contract, then the total; the validated
    hours of each category in its own column."""
    out = io.StringIO()
    writer = csv.writer(out)
    categories = [c.value for c in PersonCategory]
    writer.writerow(["contract_id", "lot", "holder", "department", "committed_hours",
                     "reported_hours", "validated_hours",
                     *(f"validated_{c}" for c in categories)])

    def validated(by_category: dict, category: str) -> str:
        return by_category.get(category, {}).get("validated", "0.00")

    for item in data["items"]:
        writer.writerow([item["contract_id"], cell(item["lot"]["title"]),
                         cell(item["holder"]["name"]), cell(item["lot"]["department"]),
                         item["committed"], item["reported"], item["validated"],
                         *(validated(item["by_category"], c) for c in categories)])
    totals = data["totals"]
    writer.writerow(["total", "", "", "", totals["committed"], totals["reported"],
                     totals["validated"],
                     *(validated(totals["by_category"], c) for c in categories)])
    return out.getvalue()
