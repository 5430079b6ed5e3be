"""How procurement's codes read on pages, in the reader's language."""

from zoneinfo import ZoneInfo

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

#: Days are those of the French calendar, whatever the server's zone.
PARIS = ZoneInfo("Europe/Paris")

STATUSES = {
    "draft": _l("brouillon"), "published": _l("publié"), "closed": _l("clos"),
    "awarded": _l("attribué"), "cancelled": _l("annulé"),
}
RESERVATIONS = {
    "none": _l("Aucune réservation"),
    "siae": _l("Réservé aux SIAE (L2113-13)"),
    "disability": _l("Réservé aux EA et ESAT (L2113-12)"),
    "both": _l("Réservé aux SIAE, EA et ESAT"),
    "ess": _l("Réservé aux entreprises de l'ESS (L2113-15)"),
}
CRITERIA = {"price": _l("Prix"), "quality": _l("Qualité"), "social": _l("Social")}
MATCH_KINDS = {
    "structure": _l("Structure seule"),
    "grouping": _l("Groupement proposé"),
    "persistent_grouping": _l("Groupement existant"),
}
#: The matching engine's criteria (market.matching.scoring.CRITERIA).
MATCH_CRITERIA = {
    "sectors": _l("Secteurs"), "distance": _l("Distance"), "capacity": _l("Capacité"),
    "insertion": _l("Insertion"), "awards": _l("Marchés remportés"),
    "references": _l("Références"),
}
SOURCES = {"intercoop": _l("Saisi sur Intercoop"), "eforms": _l("Avis eForms"),
           "ocds": _l("Paquet OCDS")}


def language() -> str:
    """The interface language ("fr" or "en")."""
    return get_locale().language if get_locale() else "fr"


def day(value) -> str:
    """An instant as the day it is in Paris, in the page's language."""
    return format_date(value.astimezone(PARIS).date(), "long") if value else ""
