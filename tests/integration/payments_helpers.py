"""Set-up for the top-up tests: a member with euro and backed accounts, its treasurer, and
Stripe events signed as Stripe signs them."""

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from market.auth.roles import Role
from market.payments import topups
from market.payments.models import TopUp
from tests.integration.currency_factories import make_currency, make_euro, open_account
from tests.integration.members_factories import bearer, make_member, make_user


@dataclass
class World:
    """Who and what a top-up test needs."""

    member: object
    other: object
    eur: int
    eusko: int
    other_eusko: int
    treasurer: dict
    staff: dict
    outsider: dict
    euro_issuance: int
    reserve: int
    eusko_issuance: int
    users: dict




def make_world(db) -> World:
    """Member A (EUR and EUSKO accounts, a treasurer, a staff member), member B (EUSKO)."""
    euro = make_euro(db)
    eusko = make_currency(db, "EUSKO", kind="backed")
    member = make_member(db, "Jardins de l'Adour", n=1)
    other = make_member(db, "Menuiserie du Labourd", n=2)
    users = {"treasurer": make_user(db, "tresorier@adour.example",
                                    [(Role.member_treasurer, member.id)]),
             "staff": make_user(db, "staff@adour.example", [(Role.member_staff, member.id)]),
             "outsider": make_user(db, "tresorier@labourd.example",
                                   [(Role.member_treasurer, other.id)])}
    return World(member=member, other=other, eur=open_account(db, member, "EUR"),
                 eusko=open_account(db, member, "EUSKO"),
                 other_eusko=open_account(db, other, "EUSKO"),
                 treasurer=bearer(db, users["treasurer"]), staff=bearer(db, users["staff"]),
                 outsider=bearer(db, users["outsider"]),
                 euro_issuance=euro.issuance_account_id, reserve=eusko.reserve_account_id,
                 eusko_issuance=eusko.issuance_account_id, users=users)


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send: t=...,v1=HMAC-SHA256(t.payload)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    """A Stripe event of ``kind`` about ``obj``."""
    return {"id": event_id or "evt_" + secrets.token_hex(12), "object": "event",
            "type": kind, "created": int(time.time()), "data": {"object": obj}}


def intent_object(topup: TopUp, **changes) -> dict:
    """The PaymentIntent of ``topup`` as Stripe's events carry it."""
    return {"id": topup.payment_intent, "object": "payment_intent",
            "amount": topup.euro_cents, "currency": "eur", "status": "succeeded",
            "metadata": {topups.METADATA_KEY: topup.reference}, **changes}


def charge_object(topup: TopUp, refunded: int | None = None, **changes) -> dict:
    """The charge of ``topup``, refunded by ``refunded`` cents (all by default)."""
    amount = topup.euro_cents
    done = amount if refunded is None else refunded
    return {"id": "ch_" + secrets.token_hex(8), "object": "charge", "amount": amount,
            "amount_refunded": done, "refunded": done == amount, "currency": "eur",
            "payment_intent": topup.payment_intent, "metadata": {}, **changes}


def signed(evt: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The body and headers of a webhook delivery of ``evt``."""
    payload = json.dumps(evt).encode()
    return payload, {"Stripe-Signature": sign(payload, secret, timestamp),
                     "Content-Type": "application/json"}


def add_topup(db, world: World, account: int | None = None, amount: str = "25.00",
              intent: str | None = None) -> TopUp:
    """A top-up waiting for Stripe (its PaymentIntent id made up), committed."""
    account = world.eusko if account is None else account
    plan = topups.plan(db.session, {world.member.id}, account, amount,
                       reference=topups.reference_for(0, None))
    made = topups.record(db.session, plan, intent or "pi_" + secrets.token_hex(10),
                         "secret", None)
    db.session.commit()
    return made
