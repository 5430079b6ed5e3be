"""Stripe, as the app talks to it: the one module that calls Stripe's API (PaymentIntents).

The client is the real ``stripe`` library, configured from the app's settings
(``STRIPE_API_KEY``, and ``STRIPE_API_BASE`` for a local Stripe server such as localstripe).
"""

import logging
from dataclasses import dataclass

import stripe
from flask_babel import gettext as _

from market.web.errors import AppError

log = logging.getLogger(__name__)

#: Seconds one call to Stripe may take: a page waits on it.
TIMEOUT_SECONDS = 10


class ProviderUnavailable(AppError):
    """Stripe did not answer, or refused the request: nothing was written."""

    status, code = 503, "unavailable"


@dataclass(frozen=True)
class Intent:
    """A PaymentIntent as we keep it."""

    id: str
    client_secret: str


class Gateway:
    """Stripe's PaymentIntents through a ``stripe.StripeClient``."""

    def __init__(self, api_key: str, api_base: str | None = None):
        addresses = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(
            api_key, base_addresses=addresses, max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS))

    def create_intent(self, reference: str, cents: int, metadata: dict) -> Intent:
        """A PaymentIntent of ``cents`` euros, created once per ``reference`` (its key)."""
        try:
            intent = self.client.v1.payment_intents.create(
                {"amount": cents, "currency": "eur", "metadata": metadata},
                {"idempotency_key": f"topup-{reference}"})
        except stripe.StripeError as error:
            log.error("Stripe refused or did not answer a PaymentIntent for %s: %s",
                      reference, error)
            raise ProviderUnavailable(_("Le service de paiement ne répond pas : réessayez "
                                        "dans un instant."),
                                      {"reason": str(error.user_message or error)}) from None
        return Intent(intent.id, intent.client_secret)


def of_app(app) -> Gateway:
    """The app's gateway, made once from its settings."""
    gateway = app.extensions.get("stripe_gateway")
    if gateway is None:
        gateway = Gateway(app.config["STRIPE_API_KEY"], app.config.get("STRIPE_API_BASE"))
        app.extensions["stripe_gateway"] = gateway
    return gateway
