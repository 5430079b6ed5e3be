"""What the pages call orders' states, actions, refusals and ratings, in both languages."""

from flask_babel import lazy_gettext as _l

STATES = {"requested": _l("Demandée"), "accepted": _l("Acceptée"), "delivered": _l("Livrée"),
          "completed": _l("Terminée"), "rejected": _l("Refusée"), "cancelled": _l("Annulée"),
          "expired": _l("Expirée")}
#: The buttons of each action (in the order the page shows them).
ACTIONS = {"accept": _l("Accepter la commande"), "deliver": _l("Marquer comme livrée"),
           "confirm": _l("Confirmer la réception"), "reject": _l("Refuser la commande"),
           "cancel": _l("Annuler la commande")}
#: What the page says once an action is done.
DONE = {"accept": _l("Commande acceptée : les fonds de l'acheteur sont réservés."),
        "deliver": _l("Commande marquée comme livrée."),
        "confirm": _l("Réception confirmée : le paiement est versé au vendeur."),
        "reject": _l("Commande refusée."),
        "cancel": _l("Commande annulée : la réservation des fonds est levée.")}
#: "The last <step> was refused", by the action refused.
REFUSED_STEPS = {"accept": _l("La dernière acceptation a été refusée"),
                 "deliver": _l("La dernière livraison a été refusée"),
                 "confirm": _l("La dernière confirmation a été refusée"),
                 "cancel": _l("La dernière annulation a été refusée"),
                 "reject": _l("Le dernier refus n'a pas abouti")}
#: Why the ledger refused, by its error code.
REASONS = {"insufficient_funds": _l("provision insuffisante"),
           "limit_exceeded": _l("plafond du compte du vendeur dépassé"),
           "currency_mismatch": _l("monnaies des comptes différentes"),
           "invalid_amount": _l("montant invalide"),
           "invalid_state": _l("compte fermé ou gelé, ou réservation close"),
           "forbidden": _l("un compte ne peut pas être débité")}
TRANSFER_STATUSES = {"pending": _l("Fonds réservés"), "posted": _l("Versé"),
                     "voided": _l("Réservation levée"), "expired": _l("Réservation expirée")}
RATINGS = {"positive": _l("Positive"), "neutral": _l("Neutre"), "negative": _l("Négative")}
SIDES = {"buyer": _l("Acheteur"), "seller": _l("Vendeur")}


def refusal_text(refusal: dict | None) -> str | None:
    """An order's last refusal in one sentence ("La dernière acceptation a été refusée :
    provision insuffisante"), or None."""
    if not refusal:
        return None
    step = REFUSED_STEPS.get(refusal.get("action"), _l("La dernière étape a été refusée"))
    reason = REASONS.get(refusal.get("code"), refusal.get("code") or "")
    return f"{step} : {reason}" if reason else str(step)
