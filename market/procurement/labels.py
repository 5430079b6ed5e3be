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


# -- opportunities, answers, advice and funnel (market.procurement.opportunity_views) -------

#: A structure's answer on a lot it was told of (outreach_models.Interest).
INTERESTS = {
    "interested": _l("Intéressée"),
    "not_interested": _l("Pas intéressée"),
    "as_grouping": _l("Intéressée en groupement"),
}
#: The filter of the opportunities list: not answered yet, or answered so.
INTEREST_FILTERS = {"none": _l("Sans réponse"), **INTERESTS}
#: Why a structure will not answer (outreach_models.NotInterestedReason).
REASONS = {
    "capacity": _l("Trop gros pour nous, ou pas maintenant"),
    "distance": _l("Trop loin"),
    "sector": _l("Pas notre métier"),
    "deadline": _l("Délai trop court"),
    "price": _l("La valeur ne couvre pas le travail"),
    "other": _l("Autre raison"),
}
#: The advice to a lot's buyer (market.matching.advice.RECOMMENDATIONS).
RECOMMENDATIONS = {
    "reserve": _l("Réserver le lot"),
    "clause": _l("Ajouter une clause d'insertion"),
    "neither": _l("Ni réservation ni clause pour l'instant"),
}
#: The funnel's steps, in order (keys of opportunities.funnel).
FUNNEL_STEPS = {
    "notified": _l("Prévenues"),
    "seen": _l("L'ont consulté"),
    "interested": _l("Intéressées"),
    "as_grouping": _l("Intéressées en groupement"),
    "not_interested": _l("Pas intéressées"),
    "questions": _l("Questions posées"),
    "bids": _l("Offres déposées"),
}


# -- insertion hours (market.procurement.hours_views) ---------------------------------------

#: Who the hours were worked by (contract_models.PersonCategory), in the enumeration's order.
PERSON_CATEGORIES = {
    "long_term_unemployed": _l("Demandeurs d'emploi de longue durée"),
    "minimum_income": _l("Allocataires de minima sociaux (RSA, ASS, AAH)"),
    "youth": _l("Jeunes de moins de 26 ans peu qualifiés"),
    "disabled": _l("Travailleurs handicapés"),
    "senior": _l("Demandeurs d'emploi de plus de 50 ans"),
    "siae_pathway": _l("Salariés en parcours d'insertion (SIAE)"),
    "other": _l("Autres publics éloignés de l'emploi"),
}
#: Where an hours report stands (contract_models.ReportStatus).
REPORT_STATUSES = {
    "submitted": _l("envoyé, à examiner"),
    "validated": _l("validé"),
    "questioned": _l("mis en question"),
}
#: The facilitator's filter of the reports: those to review first, then the others.
REPORT_FILTERS = {
    "submitted": _l("À examiner"),
    "questioned": _l("Mis en question"),
    "validated": _l("Validés"),
    "all": _l("Tous"),
}


# -- groupings and bids (market.procurement.grouping_views) --------------------------------

#: How a grouping's members answer together (models.GroupingKind).
GROUPING_KINDS = {
    "gie": _l("GIE (groupement d'intérêt économique)"),
    "joint": _l("Groupement conjoint"),
    "joint_and_several": _l("Groupement solidaire"),
}
#: Each kind in one line, for the proposal form.
GROUPING_KIND_HELP = {
    "gie": _l("Une personne morale durable, avec son propre SIRET, qui répond en son nom."),
    "joint": _l("Un groupement temporaire : chaque membre s'engage pour sa part des "
                "travaux seulement."),
    "joint_and_several": _l("Un groupement temporaire : chaque membre répond de "
                            "l'exécution du marché entier."),
}
#: Where a grouping stands (models.GroupingStatus).
GROUPING_STATUSES = {
    "proposed": _l("proposé, en attente des réponses"),
    "active": _l("constitué"),
    "dissolved": _l("dissous"),
}
#: A member's answer to its invitation (models.InvitationStatus).
INVITATION_STATUSES = {
    "invited": _l("invitée, sans réponse"),
    "accepted": _l("a accepté"),
    "declined": _l("a refusé"),
}
#: Bid statuses: BID_STATUSES below (shared with contract_views).


# -- bids, contracts and invoices (market.procurement.contract_views) ----------------------

#: Where a bid stands (contract_models.BidStatus).
BID_STATUSES = {
    "submitted": _l("en lice"),
    "withdrawn": _l("retirée"),
    "awarded": _l("retenue"),
    "rejected": _l("non retenue"),
}
#: Where a contract stands (contract_models.ContractStatus).
CONTRACT_STATUSES = {"active": _l("en cours"), "completed": _l("terminé")}
#: Where an invoice stands (contract_models.InvoiceStatus).
INVOICE_STATUSES = {"issued": _l("à payer"), "paid": _l("payée")}
#: The caller's side of a contract (contract_views.sides).
CONTRACT_SIDES = {
    "buyer": _l("acheteur"),
    "holder": _l("titulaire"),
    "member": _l("membre du groupement"),
}


# -- buyers writing tenders and lots (market.procurement.tender_views) ----------------------

#: eForms procedure types (BT-105, codelist procurement-procedure-type) the exports know
#: (ocds_export.PROCUREMENT_METHODS), as the tender form offers them.
PROCEDURES = {
    "open": _l("Procédure ouverte"),
    "restricted": _l("Procédure restreinte"),
    "neg-w-call": _l("Procédure concurrentielle avec négociation"),
    "neg-wo-call": _l("Procédure négociée sans publicité ni mise en concurrence préalables"),
    "comp-dial": _l("Dialogue compétitif"),
    "innovation": _l("Partenariat d'innovation"),
    "oth-mult": _l("Autre procédure en plusieurs étapes"),
}
#: What each reservation means, in one line (Code de la commande publique).
RESERVATION_HELP = {
    "none": _l("Toute entreprise peut répondre ; une clause d'insertion reste possible."),
    "siae": _l("Seules les structures d'insertion par l'activité économique (SIAE) et "
               "équivalentes peuvent répondre (article L2113-13)."),
    "disability": _l("Seules les entreprises adaptées (EA) et les ESAT peuvent répondre "
                     "(article L2113-12)."),
    "both": _l("Seules les SIAE, les entreprises adaptées et les ESAT peuvent répondre "
               "(articles L2113-12 et L2113-13)."),
    "ess": _l("Seules les entreprises de l'économie sociale et solidaire peuvent répondre, "
              "pour certains services sociaux, de santé ou culturels (article L2113-15)."),
}
