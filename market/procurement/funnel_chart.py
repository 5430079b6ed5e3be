"""A lot's funnel (told, seen, answered, asked, bid) as horizontal bars drawn server-side,
with the rows of the table that says the same (the chart's text equivalent)."""

from dataclasses import dataclass

from market.procurement.labels import FUNNEL_STEPS, REASONS
from market.web.charts import BarChart, bar_chart

WIDTH, LABEL_WIDTH = 560, 220


@dataclass(frozen=True)
class FunnelChart:
    """The bars to draw, and each step's and each refusal reason's count for the table."""

    chart: BarChart
    steps: list[tuple[str, int]]
    reasons: list[tuple[str, int]]


def funnel_chart(found: dict) -> FunnelChart:
    """Lay out ``found`` (opportunities.funnel) as one bar per step, in the funnel's order."""
    steps = [(str(label), int(found[key])) for key, label in FUNNEL_STEPS.items()]
    reasons = [(str(REASONS.get(code, code)), int(count))
               for code, count in found["reasons"].items() if count]
    chart = bar_chart([(label, value, None) for label, value in steps], width=WIDTH,
                      label_width=LABEL_WIDTH)
    return FunnelChart(chart, steps, reasons)
