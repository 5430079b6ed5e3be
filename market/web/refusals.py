"""How ledger refusals become HTTP errors, for every domain whose use cases move money.

The ledger (a library) words its refusals in English with precise figures and a stable
``code``; people read them here in their language, the ledger's sentence kept in
``details.reason``.
"""

from flask_babel import lazy_gettext as _l

import ledger
from market.web.errors import AppError, render_error

#: HTTP status of each ledger error code (the ledger's own hint is the fallback).
STATUS_BY_CODE = {
    "bad_request": 400, "unauthenticated": 401, "forbidden": 403, "not_found": 404,
    "conflict": 409, "invalid_state": 409, "idempotency_conflict": 409,
    "validation_error": 422, "invalid_amount": 422, "insufficient_funds": 422,
    "limit_exceeded": 422, "currency_mismatch": 422, "not_eligible": 422,
}


#: What people read for each ledger refusal (French first); the ledger's own English
#: sentence stays in ``details.reason`` with the precise figures.
MESSAGES = {
    "insufficient_funds": _l("Provision insuffisante : ce débit ferait passer le compte sous "
                             "son solde minimum."),
    "limit_exceeded": _l("Plafond dépassé : ce crédit ferait passer le compte au-dessus de son "
                         "solde maximum."),
    "currency_mismatch": _l("Les deux comptes d'une écriture doivent être dans la même "
                            "monnaie."),
    "invalid_amount": _l("Montant invalide : une chaîne décimale positive avec exactement les "
                         "décimales de la monnaie, par exemple \"12.50\"."),
    "invalid_state": _l("Cette opération n'est pas possible dans l'état actuel."),
    "idempotency_conflict": _l("Cette clé d'idempotence a déjà servi pour une autre requête."),
    "validation_error": _l("Les données envoyées ne sont pas valides."),
    "conflict": _l("Cette opération entre en conflit avec une opération existante."),
    "not_found": _l("Cette ressource n'existe pas."),
    "forbidden": _l("Vous ne pouvez débiter que les comptes de votre structure."),
}


def app_error(error: ledger.LedgerError) -> AppError:
    """The one mapping of a ledger refusal to an HTTP error: same code and details."""
    message = str(MESSAGES.get(error.code, error.message))
    details = dict(error.details)
    if message != error.message:  # a replayed refusal already carries people's message
        details.setdefault("reason", error.message)
    mapped = AppError(message, details, code=error.code)
    mapped.status = STATUS_BY_CODE.get(error.code, error.http_status)
    return mapped


def render_refusal(error: ledger.LedgerError):
    """Answer a ledger refusal: the CONVENTIONS error body, or an error page for people."""
    mapped = app_error(error)
    return render_error(mapped.status, mapped.code, mapped.message, mapped.details)


def as_refusal(error: AppError) -> ledger.LedgerError:
    """An HTTP refusal in the form the idempotency key store keeps (code, message, details)."""
    refusal = ledger.LedgerError(error.message, **error.details)
    refusal.code, refusal.http_status = error.code, error.status
    return refusal
