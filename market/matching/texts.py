"""The explanations' sentences in French and in English, with each language's number style."""

import math

from market.matching.model import Text

#: French puts a narrow no-break space between thousands and before "%" and "€".
NNBSP = "\u202f"
#: How each reservation reads in a refusal (fr, en).
RESERVED_FOR = {
    "siae": ("réservé aux SIAE (article L2113-13 du code de la commande publique)",
             "reserved for work-integration enterprises (SIAE, article L2113-13)"),
    "disability": ("réservé aux EA, EATT et ESAT (article L2113-12 du code de la commande "
                   "publique)", "reserved for disability-employment structures (EA, EATT, "
                   "ESAT, article L2113-12)"),
    "both": ("réservé aux SIAE, EA, EATT et ESAT (articles L2113-12 et L2113-13)",
             "reserved for SIAE and disability-employment structures (articles L2113-12 "
             "and L2113-13)"),
}


def number(value: float, decimals: int = 0) -> Text:
    """``value`` grouped by thousands: "12 500,5" and "12,500.5"."""
    en = f"{value:,.{decimals}f}"
    fr = en.replace(",", NNBSP).replace(".", ",")
    return Text(fr, en)


def euros(cents: int) -> Text:
    """Whole euros: "450 000 €" and "€450,000"."""
    amount = number(round(cents / 100))
    return Text(f"{amount.fr}{NNBSP}€", f"€{amount.en}")


def percent(share: float) -> Text:
    """A share as a percentage: "22 %" and "22%"; "moins de 1 %" under one."""
    if share < 0.01:
        return Text(f"moins de 1{NNBSP}%", "under 1%")
    whole = math.floor(share * 100 + 0.5)  # half up, as people round (22.5 -> 23)
    return Text(f"{whole}{NNBSP}%", f"{whole}%")


def km(distance: float) -> Text:
    """A distance in whole kilometres (under one: "moins d'un km")."""
    if distance < 1:
        return Text("moins d'un km", "under 1 km")
    whole = number(distance)
    return Text(f"{whole.fr} km", f"{whole.en} km")


def plural(count: int, one: str, many: str) -> str:
    """``one`` or ``many`` as French agrees them: 0 and 1 are singular."""
    return one if count <= 1 else many


def en_plural(count: int, one: str, many: str) -> str:
    """``one`` or ``many`` as English agrees them: only 1 is singular."""
    return one if count == 1 else many
