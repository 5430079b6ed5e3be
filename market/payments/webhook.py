"""Stripe's webhook: signed events in, ledger transfers out, each event once.

The signature (``Stripe-Signature``, ``STRIPE_WEBHOOK_SECRET``, five minutes of tolerance)
is checked before anything is read or written: a bad or stale one is 400. Then one database
transaction stores the event id and books it (market.payments.topups). A replay answers 200
and changes nothing; so does an event of a type we do not handle. An event whose amount,
currency or reference do not match its top-up is acknowledged, logged and books nothing
(Stripe would only send it again). No cookie authenticates this endpoint: no CSRF token.
"""

import json
import logging

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

import ledger
from market.payments import topups
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web import csrf
from market.web.access import protect, public
from market.web.errors import BadRequest
from market.web.refusals import app_error

bp = Blueprint("stripe_webhook", __name__, url_prefix="/stripe")
#: Seconds a signed event stays acceptable (Stripe's own default).
TOLERANCE_SECONDS = 300

log = logging.getLogger(__name__)


def verified_event(payload: bytes, header: str | None) -> dict:
    """The event, once its shape, signature and timestamp are checked (400 otherwise)."""
    if not header:
        raise BadRequest(_("Signature Stripe absente."))
    try:
        event = json.loads(payload)
    except ValueError:
        raise BadRequest(_("Le corps de la requête n'est pas du JSON valide.")) from None
    # The stripe library reads the event's fields: refuse what is no event before it does.
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) \
            or not 0 < len(event["id"]) <= 255 or not isinstance(event.get("data"), dict) \
            or not isinstance(event["data"].get("object"), dict):
        raise BadRequest(_("Ce n'est pas un événement Stripe."))
    try:
        stripe.Webhook.construct_event(payload, header, current_app.config[
            "STRIPE_WEBHOOK_SECRET"], tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError:
        raise BadRequest(_("Signature Stripe invalide ou périmée.")) from None
    return event


@bp.post("/webhook")
def receive():
    """Book a Stripe event once: credit, failure or refund of a top-up."""
    event = verified_event(request.get_data(cache=False),
                           request.headers.get("Stripe-Signature"))
    begin_write(db.session)
    try:
        outcome = topups.handle_event(db.session, event)
        db.session.commit()
    except IntegrityError:  # the same event, stored meanwhile by another delivery
        db.session.rollback()
        outcome = "duplicate"
    except ledger.LedgerError as error:  # e.g. a frozen account: Stripe retries later
        db.session.rollback()
        log.error("Stripe event %s not booked: %s", event["id"], error.code)
        raise app_error(error) from None
    log.info("Stripe event %s (%s): %s", event["id"], event.get("type"), outcome or "ignored")
    return jsonify({"received": True, "outcome": outcome or "ignored"})


csrf.exempt("stripe_webhook.receive")
protect(bp, {"receive": public})  # the signature is the authentication
