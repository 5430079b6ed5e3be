"""The words of each kind of notification, rendered from its params in a given language.

Notifications store what happened (their kind and params), not sentences: the page renders
them in the reader's current language, and an email is rendered once, when it is written,
in its recipient's ``User.locale``.

What each kind's params must hold (``REQUIRED``), all plain JSON values:

- ``order_requested``: ``order_id``, ``offer_title``, ``buyer_name``
- ``order_changed``: ``order_id``, ``offer_title``, ``state`` (an order state:
  requested, accepted, delivered, completed, rejected, cancelled, expired)
- ``question``: ``offer_title``, ``asker_name``, ``excerpt`` (the question's start)
- ``answer``: ``offer_title``, ``excerpt`` (the answer's start)
- ``want_match``: ``want_title``, ``offer_title``
- ``offer_expiring``: ``offer_title``, ``expires_on`` (an ISO date, "2026-12-31")
- ``lot_opportunity``: ``lot_title``, ``buyer_name``, ``deadline`` (ISO date or "")
- ``lot_answer``: ``lot_title``, ``excerpt`` (the buyer's answer to a question, for all)
- ``grouping_invitation``: ``grouping_name``, ``lead_name``
- ``grouping_changed``: ``grouping_name``, ``member_name``, ``status`` (accepted, declined)
- ``bid_received``: ``lot_title``, ``bidder_name``
- ``contract_awarded``: ``lot_title``, ``holder_name``
- ``invoice_paid``: ``lot_title``, ``number``, ``amount`` (formatted, "1 250,00 EUR")
- ``hours_reviewed``: ``lot_title``, ``month`` ("2026-11"), ``status`` (validated, questioned)
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.notifications.models import NotificationKind

REQUIRED: dict[str, tuple[str, ...]] = {
    NotificationKind.order_requested: ("order_id", "offer_title", "buyer_name"),
    NotificationKind.order_changed: ("order_id", "offer_title", "state"),
    NotificationKind.question: ("offer_title", "asker_name", "excerpt"),
    NotificationKind.answer: ("offer_title", "excerpt"),
    NotificationKind.want_match: ("want_title", "offer_title"),
    NotificationKind.offer_expiring: ("offer_title", "expires_on"),
    NotificationKind.lot_opportunity: ("lot_title", "buyer_name", "deadline"),
    NotificationKind.lot_answer: ("lot_title", "excerpt"),
    NotificationKind.grouping_invitation: ("grouping_name", "lead_name"),
    NotificationKind.grouping_changed: ("grouping_name", "member_name", "status"),
    NotificationKind.bid_received: ("lot_title", "bidder_name"),
    NotificationKind.contract_awarded: ("lot_title", "holder_name"),
    NotificationKind.invoice_paid: ("lot_title", "number", "amount"),
    NotificationKind.hours_reviewed: ("lot_title", "month", "status"),
}
#: How an order's state reads in a sentence.
ORDER_STATES = {
    "requested": _l("demandée"), "accepted": _l("acceptée"), "delivered": _l("livrée"),
    "completed": _l("terminée"), "rejected": _l("refusée"), "cancelled": _l("annulée"),
    "expired": _l("expirée"),
}
#: How a grouping member's answer and an hours report's review read in a sentence.
RESPONSES = {"accepted": _l("accepté"), "declined": _l("décliné")}
REVIEWS = {"validated": _l("validé"), "questioned": _l("mis en question")}
#: Longest quoted excerpt of a question or an answer.
EXCERPT_MAX = 200


@dataclass(frozen=True)
class Message:
    """A notification in words: a one-line title and a sentence or two."""

    title: str
    body: str


def missing_params(kind: str, params: dict) -> list[str]:
    """The params ``kind`` needs that ``params`` lacks (every one for an unknown kind)."""
    if kind not in REQUIRED:
        raise ValueError(f"unknown notification kind {kind!r}")
    return [key for key in REQUIRED[kind] if key not in params]


def render(kind: str, params: dict, locale: str | None = None) -> Message:
    """Word a notification in ``locale`` (None: the current request's language)."""
    if locale is None:
        return _word(kind, params)
    with force_locale(locale):
        return _word(kind, params)


def _word(kind: str, params: dict) -> Message:
    p = {key: _text(params.get(key, "")) for key in REQUIRED.get(kind, ())}
    if kind == NotificationKind.order_requested:
        return Message(_("Nouvelle commande n° %(order_id)s", **p),
                       _("%(buyer_name)s commande « %(offer_title)s ».", **p))
    if kind == NotificationKind.order_changed:
        state = ORDER_STATES.get(p["state"])
        p["state"] = str(state) if state is not None else p["state"]
        return Message(_("Commande n° %(order_id)s %(state)s", **p),
                       _("La commande de « %(offer_title)s » est maintenant %(state)s.", **p))
    if kind == NotificationKind.question:
        p["excerpt"] = _excerpt(p["excerpt"])
        return Message(_("Nouvelle question sur « %(offer_title)s »", **p),
                       _("%(asker_name)s demande : %(excerpt)s", **p))
    if kind == NotificationKind.answer:
        p["excerpt"] = _excerpt(p["excerpt"])
        return Message(_("Réponse à votre question sur « %(offer_title)s »", **p),
                       _("Réponse : %(excerpt)s", **p))
    if kind == NotificationKind.want_match:
        return Message(_("Une offre correspond à votre recherche « %(want_title)s »", **p),
                       _("« %(offer_title)s » correspond à ce que vous cherchez.", **p))
    if kind == NotificationKind.offer_expiring:
        p["expires_on"] = _date(p["expires_on"])
        return Message(_("Votre offre « %(offer_title)s » expire bientôt", **p),
                       _("Elle ne sera plus visible après le %(expires_on)s : prolongez-la "
                         "si elle tient toujours.", **p))
    return _word_procurement(kind, p) or Message(_("Notification"), "")


def _word_procurement(kind: str, p: dict) -> Message | None:
    """The words of the procurement kinds (lots, groupings, bids, contracts, hours)."""
    if kind == NotificationKind.lot_opportunity:
        p["deadline"] = _date(p["deadline"]) if p["deadline"] else _("non précisée")
        return Message(_("Marché à saisir : « %(lot_title)s »", **p),
                       _("%(buyer_name)s cherche des structures pour ce lot (date limite : "
                         "%(deadline)s). Dites si vous êtes intéressé·e.", **p))
    if kind == NotificationKind.lot_answer:
        p["excerpt"] = _excerpt(p["excerpt"])
        return Message(_("L'acheteur a répondu à une question sur « %(lot_title)s »", **p),
                       _("Réponse : %(excerpt)s", **p))
    if kind == NotificationKind.grouping_invitation:
        return Message(_("Invitation au groupement « %(grouping_name)s »", **p),
                       _("%(lead_name)s vous propose de répondre ensemble. Acceptez ou "
                         "déclinez l'invitation.", **p))
    if kind == NotificationKind.grouping_changed:
        status = RESPONSES.get(p["status"])
        p["status"] = str(status) if status is not None else p["status"]
        return Message(_("Groupement « %(grouping_name)s »", **p),
                       _("%(member_name)s a %(status)s l'invitation.", **p))
    if kind == NotificationKind.bid_received:
        return Message(_("Nouvelle offre sur « %(lot_title)s »", **p),
                       _("%(bidder_name)s a répondu au lot.", **p))
    if kind == NotificationKind.contract_awarded:
        return Message(_("Lot « %(lot_title)s » attribué", **p),
                       _("Le marché est attribué à %(holder_name)s.", **p))
    if kind == NotificationKind.invoice_paid:
        return Message(_("Facture %(number)s payée", **p),
                       _("%(amount)s versés pour « %(lot_title)s ».", **p))
    if kind == NotificationKind.hours_reviewed:
        status = REVIEWS.get(p["status"])
        p["status"] = str(status) if status is not None else p["status"]
        return Message(_("Heures d'insertion de %(month)s : %(status)s", **p),
                       _("Le relevé d'heures de « %(lot_title)s » pour %(month)s a été "
                         "%(status)s.", **p))
    return None


def email_text(message: Message, site_url: str, path: str) -> tuple[str, str]:
    """The subject and plain-text body of the email telling ``message`` (same language),
    linking to ``path`` on the site at ``site_url`` ("" leaves the links relative)."""
    subject = " ".join(f"[Intercoop] {message.title}".split())  # one line, whatever the title
    body = "\n\n".join(part for part in (
        message.title, message.body,
        _("Voir sur Intercoop : %(link)s", link=site_url + path),
        "-- \n" + _("Vous recevez ce message parce que vous avez un compte sur Intercoop. "
                    "Toutes vos notifications : %(link)s", link=site_url + "/notifications"),
    ) if part)
    return subject, body


def _text(value) -> str:
    return "" if value is None else str(value)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_MAX else text[:EXCERPT_MAX - 1].rstrip() + "…"


def _date(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value), format="long")
    except ValueError:
        return value
