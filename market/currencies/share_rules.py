"""Pure rules of cooperative shares (no database): the quarter paid at subscription, the
bounds per subscriber, the withdrawal floor and holdings derived from register events."""

from dataclasses import dataclass

#: French cooperative law (loi du 10 septembre 1947, art. 12 and 13): at least a quarter
#: of a subscription is paid at once, and capital may not fall below a quarter of the
#: highest it ever reached.
QUARTER = 4


class ShareRuleError(ValueError):
    """A share rule refused; ``field`` names what was wrong, ``code`` says which rule."""

    def __init__(self, code: str, field: str, **figures):
        super().__init__(code)
        self.code, self.field, self.figures = code, field, figures


@dataclass(frozen=True)
class Holding:
    """What one holder has: units, and the nominal split into paid, called-unpaid, uncalled."""

    units: int = 0
    paid: int = 0
    called: int = 0
    uncalled: int = 0

    def plus(self, units: int, paid: int, called: int, uncalled: int) -> "Holding":
        return Holding(self.units + units, self.paid + paid, self.called + called,
                       self.uncalled + uncalled)


def minimum_paid(shares: int, nominal: int) -> int:
    """The least paid at subscription: a quarter of the nominal total, rounded up."""
    return -(-shares * nominal // QUARTER)


def check_subscription(shares: int, paid: int, nominal: int, low: int,
                       high: int | None, held: int = 0) -> int:
    """Check a subscription of ``shares`` paying ``paid`` now; return the unpaid rest.

    ``low``/``high`` bound the units one subscriber holds (``held`` already)."""
    if nominal <= 0:
        raise ShareRuleError("no_nominal", "shares")
    if shares < 1 or held + shares < low:
        raise ShareRuleError("below_minimum", "shares", minimum=low)
    if high is not None and held + shares > high:
        raise ShareRuleError("above_maximum", "shares", maximum=high, held=held)
    total = shares * nominal
    if paid < minimum_paid(shares, nominal):
        raise ShareRuleError("quarter_unpaid", "paid", minimum=minimum_paid(shares, nominal))
    if paid > total:
        raise ShareRuleError("overpaid", "paid", maximum=total)
    return total - paid


def call_amounts(holdings: dict[int, Holding], per_share: int) -> dict[int, int]:
    """What a call of ``per_share`` per unit asks of each holder, within its uncalled part."""
    if per_share <= 0:
        raise ShareRuleError("invalid_call", "per_share")
    called = {m: min(h.uncalled, h.units * per_share) for m, h in holdings.items()}
    return {m: amount for m, amount in called.items() if amount > 0}


def check_payment(holding: Holding, amount: int) -> None:
    """A holder pays at most what was called from it and is still unpaid."""
    if amount <= 0 or amount > holding.called:
        raise ShareRuleError("payment_beyond_call", "amount", maximum=holding.called)


def split(holding: Holding, units: int) -> Holding:
    """The part of ``holding`` that ``units`` of its units carry (paid, called, uncalled).

    Largest remainders, ties to the uncalled part first: each part stays within the
    holding's and they sum to exactly ``units`` times the nominal."""
    if not 0 < units <= holding.units:
        raise ShareRuleError("more_than_held", "shares", held=holding.units)
    if units == holding.units:
        return holding
    parts = [holding.uncalled, holding.called, holding.paid]
    exact = [p * units for p in parts]
    floors = [e // holding.units for e in exact]
    value = sum(parts) * units // holding.units
    order = sorted(range(3), key=lambda i: (-(exact[i] % holding.units), i))
    for i in order[:value - sum(floors)]:
        floors[i] += 1
    uncalled, called, paid = floors
    return Holding(units, paid, called, uncalled)


def check_withdrawal(capital_units: int, units: int, nominal: int, highest: int) -> None:
    """Refuse a withdrawal that takes capital below a quarter of the highest ever reached."""
    after = (capital_units - units) * nominal
    if after * QUARTER < highest:
        raise ShareRuleError("below_capital_floor", "shares", floor=-(-highest // QUARTER),
                             after=after)


def holdings(events) -> dict[int, Holding]:
    """Each holder's holding: the sum of its events' changes (units, paid, called,
    uncalled); holders left with nothing are dropped."""
    found: dict[int, Holding] = {}
    for e in events:
        found[e.member_id] = found.get(e.member_id, Holding()).plus(
            e.units, e.paid, e.called, e.uncalled)
    return {m: h for m, h in found.items() if h != Holding()}


def highest_capital(events, nominal: int) -> int:
    """The highest subscribed capital ever reached, replaying events in order."""
    units = best = 0
    for e in events:
        units += e.units
        best = max(best, units * nominal)
    return best
