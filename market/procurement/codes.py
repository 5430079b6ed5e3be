"""Codes and units that the eForms and OCDS mappings share: countries, money, durations.

Country codes and currency scales come from CLDR through Babel (already installed for the
translations), so that no hand-copied table goes stale.
"""

import re
from decimal import Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import get_currency_precision, is_currency

#: Days in each eForms duration unit (BT-36 unitCode), counted as eForms-to-OCDS converters
#: fill durationInDays: a month is 30 days and a year 365 (calendar months would need a
#: start date, which a duration does not have).
DURATION_DAYS = {"DAY": 1, "WEEK": 7, "MONTH": 30, "YEAR": 365}
#: Award criterion types (eForms award-criterion-type, OCDS awardCriterionType) and the kind
#: each one is: a cost (life-cycle costing) is weighed as a price.
CRITERION_TYPES = {"price": "price", "cost": "price", "quality": "quality"}
#: eForms social objectives (BT-775) and the OCDS for eForms sustainability goals.
SOCIAL_GOALS = {
    "acc-all": "social.accessibility",
    "et-eq": "social.ethnicEquality",
    "gen-eq": "social.genderEquality",
    "hum-right": "social.humanRightsInSupplyChains",
    "opp": "social.disadvantagedEmploymentOpportunities",
    "other": "social",
    "work-cond": "social.laborRightsPromotion",
}
_ALPHA2 = re.compile(r"[A-Z]{2}")
_ALPHA3 = re.compile(r"[A-Z]{3}")
#: eForms and OCDS write placeholders where an identifier is unknown.
_PLACEHOLDERS = {"", "-", "n/a", "na", "none", "unknown"}


@cache
def _alpha3() -> dict[str, str]:
    """Return {ISO 3166-1 alpha-3: alpha-2} from CLDR's territory aliases."""
    aliases = get_global("territory_aliases")
    return {code: targets[0] for code, targets in aliases.items()
            if _ALPHA3.fullmatch(code) and len(targets) == 1 and _ALPHA2.fullmatch(targets[0])}


def country_alpha2(code: str | None) -> str:
    """Return the ISO alpha-2 code of a country given in alpha-2 or alpha-3, or ""."""
    text = (code or "").strip().upper()
    if _ALPHA2.fullmatch(text):
        return text
    return _alpha3().get(text, "")


def currency_code(code: str | None) -> str:
    """Return an ISO 4217 currency code, upper-cased; ValueError when it is not one."""
    text = (code or "").strip().upper()
    if not is_currency(text):
        raise ValueError(f"unknown currency {code!r}")
    return text


def to_minor(amount: Decimal, currency: str) -> int:
    """Return ``amount`` in the currency's minor unit (cents); ValueError if it has more."""
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{amount} is not an amount")
    scaled = amount.scaleb(get_currency_precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Return the amount that ``minor`` minor units of ``currency`` are."""
    return Decimal(minor).scaleb(-get_currency_precision(currency))


def identifier(text: str | None) -> str:
    """Return an organisation identifier as written, or "" for a placeholder ("n/a")."""
    value = (text or "").strip()
    return "" if value.lower() in _PLACEHOLDERS else value
