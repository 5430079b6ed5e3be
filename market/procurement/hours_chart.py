"""The "hours worked against hours committed" chart of a contract as plain SVG geometry,
computed server-side (no JS, no CDN), with its text equivalent.

The figures stay exact: they are read as Decimals from the series' strings (market.procurement
.hours_totals.contract_series); only the drawing coordinates are rounded.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from market.procurement.contract_models import PersonCategory
from market.web.charts import bar_chart

WIDTH, HEIGHT, PAD = 640, 200, 12
#: How each category of people reads on a page.
CATEGORY_LABELS = {
    PersonCategory.long_term_unemployed: _l("Demandeurs d'emploi de longue durée"),
    PersonCategory.minimum_income: _l("Allocataires de minima sociaux (RSA, ASS, AAH)"),
    PersonCategory.youth: _l("Jeunes de moins de 26 ans peu qualifiés"),
    PersonCategory.disabled: _l("Travailleurs handicapés"),
    PersonCategory.senior: _l("Demandeurs d'emploi de plus de 50 ans"),
    PersonCategory.siae_pathway: _l("Salariés en parcours d'insertion (SIAE)"),
    PersonCategory.other: _l("Autres publics éloignés de l'emploi"),
}


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}"


def _percent(part: Decimal, whole: Decimal) -> str | None:
    """``part`` as a percentage of ``whole``, to one decimal (None when nothing is due)."""
    return None if whole <= 0 else f"{(part * 100 / whole).quantize(Decimal('0.1'))}"


def _line(values: list[Decimal], x, y) -> str:
    """Points of a cumulative line: from zero at the award, then each month's end."""
    points = [(x(0), y(Decimal(0)))] + [(x(i + 1), y(v)) for i, v in enumerate(values)]
    return " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in points)


def category_bars(series: dict):
    """Reported hours by category over the whole contract, as horizontal bars."""
    totals: dict[str, Decimal] = {}
    for month in series["months"]:
        for category, hours in month["by_category"].items():
            totals[category] = totals.get(category, Decimal(0)) + Decimal(hours["reported"])
    rows = [(str(CATEGORY_LABELS.get(c, c)), totals[c], None)
            for c in PersonCategory if c in totals]
    return bar_chart(rows, width=WIDTH, label_width=300) if rows else None


def hours_chart(series: dict) -> dict | None:
    """Geometry of the cumulated reported and validated hours, month by month, against the
    committed hours' line, with the table that says the same; None before any report."""
    months = series["months"]
    if not months:
        return None
    committed = Decimal(series["committed"])
    reported = [Decimal(m["cumulated_reported"]) for m in months]
    validated = [Decimal(m["cumulated_validated"]) for m in months]
    top = max(committed, reported[-1], Decimal(1))
    usable_x, usable_y = Decimal(WIDTH - 2 * PAD), Decimal(HEIGHT - 2 * PAD)

    def x(step: int) -> Decimal:
        return PAD + usable_x * step / len(months)

    def y(value: Decimal) -> Decimal:
        return PAD + usable_y * (top - value) / top

    validated_total = Decimal(series["validated_total"])
    return {
        "width": WIDTH, "height": HEIGHT,
        "reported_points": _line(reported, x, y),
        "validated_points": _line(validated, x, y),
        "committed_y": _fmt(y(committed)), "zero_y": _fmt(y(Decimal(0))),
        "committed": series["committed"], "reported_total": series["reported_total"],
        "validated_total": series["validated_total"],
        "percent_validated": _percent(validated_total, committed),
        "first": months[0]["month"], "last": months[-1]["month"],
        "rows": [{"month": m["month"], "reported": m["reported"], "validated": m["validated"],
                  "cumulated_reported": m["cumulated_reported"],
                  "cumulated_validated": m["cumulated_validated"]} for m in months],
        "categories": category_bars(series),
    }
