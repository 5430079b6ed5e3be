"""What the pages call offer kinds, statuses, reaches and delivery methods, in both languages."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row

from market.offers.models import Offer

KINDS = {"product": _l("Produit"), "service": _l("Service"), "share": _l("Parts sociales")}
STATUSES = {"draft": _l("Brouillon"), "published": _l("Publiée"), "paused": _l("En pause"),
            "expired": _l("Expirée"), "archived": _l("Archivée")}
REACHES = {"local": _l("Locale (dans un rayon)"), "regional": _l("Régionale"),
           "national": _l("Nationale"), "europe": _l("Européenne")}
DELIVERIES = {"pickup": _l("Retrait sur place"), "delivery_radius": _l("Livraison dans un rayon"),
              "delivery_region": _l("Livraison dans la région")}
FEES = {"free": _l("gratuite"), "fixed": _l("forfait"), "quoted": _l("sur devis")}
SORTS = {"relevance": _l("Pertinence"), "distance": _l("Distance"), "price": _l("Prix"),
         "date": _l("Date")}


def money(minor: int | None, currency: str, scale: int = 2) -> str:
    """An amount as people read it in French: "1 250,50 EUR"."""
    if minor is None:
        return ""
    # Integer arithmetic and the format mini-language: the map labels hundreds of prices.
    whole, fraction = divmod(abs(minor), 10**scale)
    sign = "-" if minor < 0 else ""
    decimals = f",{fraction:0{scale}d}" if scale else ""
    return f"{sign}{whole:,}".replace(",", " ") + f"{decimals} {currency}"


def price_label(offer: "Offer | Row", scales: dict[str, int]) -> str:
    """Price per unit ("12,50 EUR / kg")."""
    return unit_price(offer.price_minor, offer.currency, offer.unit, scales)


def unit_price(minor: int, currency: str, unit: str, scales: dict[str, int]) -> str:
    """Price per unit ("12,50 EUR / kg") from its parts."""
    return f"{money(minor, currency, scales.get(currency, 2))} / {unit}"
