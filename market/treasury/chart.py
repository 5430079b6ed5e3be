"""A balance-over-time chart as plain SVG geometry, computed server-side (no JS, no CDN).

Balances stay exact: they are read as Decimals from the statement's strings, and only the
drawing coordinates are rounded.
"""

from datetime import datetime
from decimal import Decimal

WIDTH, HEIGHT, PAD = 640, 180, 12


def _x(at: datetime, first: datetime, span: Decimal, index: int, count: int) -> Decimal:
    """Horizontal position: by time, or by rank when every movement shares one instant."""
    usable = Decimal(WIDTH - 2 * PAD)
    if span > 0:
        offset = Decimal((at - first).total_seconds()) / span
    else:
        offset = Decimal(index) / Decimal(max(count - 1, 1))
    return PAD + usable * offset


def _scale(low: Decimal, high: Decimal):
    """A function mapping a balance to a vertical position (higher balances higher up)."""
    usable = Decimal(HEIGHT - 2 * PAD)
    spread = high - low or Decimal(1)
    return lambda value: PAD + usable * (high - value) / spread


def _amount(value: Decimal, like: Decimal) -> str:
    """A balance written with the same number of decimals as `like`."""
    return str(value.quantize(Decimal(1).scaleb(like.as_tuple().exponent)))


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}"


def balance_chart(statement: dict) -> dict | None:
    """Geometry of a step line of the running balance; None without any movement."""
    lines = statement["lines"]
    if not lines:
        return None
    times = [datetime.fromisoformat(line["posted_at"]) for line in lines]
    start = datetime.fromisoformat(statement["from"]) if statement["from"] else times[0]
    first = min(start, times[0])
    balances = [Decimal(statement["opening_balance"])] + [Decimal(x["balance"]) for x in lines]
    low, high = min(balances + [Decimal(0)]), max(balances + [Decimal(0)])
    y = _scale(low, high)
    span = Decimal((times[-1] - first).total_seconds())
    points, previous = [], balances[0]
    points.append((Decimal(PAD), y(previous)))
    for index, (at, balance) in enumerate(zip(times, balances[1:], strict=True)):
        x = _x(at, first, span, index, len(times))
        points += [(x, y(previous)), (x, y(balance))]
        previous = balance
    points.append((Decimal(WIDTH - PAD), y(previous)))
    return {
        "width": WIDTH, "height": HEIGHT,
        "points": " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in points),
        "zero_y": _fmt(y(Decimal(0))),
        "top_y": _fmt(y(high)), "bottom_y": _fmt(y(low)),
        "low": _amount(low, balances[0]), "high": _amount(high, balances[0]),
        "first": first, "last": times[-1],
    }
