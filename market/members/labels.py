"""Human labels of the members' enumerations, in French first (translated when shown)."""

from flask_babel import lazy_gettext as _l

from market.members import taxonomy

LEGAL_FORMS = {
    "association": _l("Association"),
    "scop": _l("SCOP (société coopérative et participative)"),
    "scic": _l("SCIC (société coopérative d'intérêt collectif)"),
    "cooperative": _l("Autre société coopérative"),
    "mutual": _l("Mutuelle"),
    "foundation": _l("Fondation"),
    "ess_company": _l("Entreprise commerciale de l'ESS"),
    "public_body": _l("Organisme public"),
    "other": _l("Autre"),
}

INCLUSION_KINDS = {
    "none": _l("Aucune (pas une structure d'insertion ou adaptée)"),
    "ACI": _l("ACI — atelier et chantier d'insertion"),
    "AI": _l("AI — association intermédiaire"),
    "EI": _l("EI — entreprise d'insertion"),
    "ETTI": _l("ETTI — entreprise de travail temporaire d'insertion"),
    "EITI": _l("EITI — entreprise d'insertion par le travail indépendant"),
    "GEIQ": _l("GEIQ — groupement d'employeurs pour l'insertion et la qualification"),
    "EA": _l("EA — entreprise adaptée"),
    "EATT": _l("EATT — entreprise adaptée de travail temporaire"),
    "ESAT": _l("ESAT — établissement et service d'aide par le travail"),
}

STATUSES = {
    "pending": _l("En attente de validation"),
    "active": _l("Active"),
    "rejected": _l("Refusée"),
    "suspended": _l("Suspendue"),
}


def sector_label(code: str, language: str) -> str:
    """Return a sector's label in ``language``, or its code when the taxonomy lacks it."""
    sector = taxonomy.get_sector(code)
    return sector.label(language) if sector else code


def sector_choices(language: str) -> dict[str, list[tuple[str, str]]]:
    """Return the sectors grouped for a select box: {group label: [(code, label)]}."""
    return {g.label(language): [(s.code, s.label(language)) for s in g.sectors]
            for g in taxonomy.groups()}


def euros(cents: int | None) -> str:
    """Write cents as whole euros with thin-space thousands ("1 450 000 €")."""
    if cents is None:
        return ""
    return f"{cents // 100:,}".replace(",", "\u202f") + "\u00a0€"
