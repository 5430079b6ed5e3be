"""The demo's currency capabilities, each through its own service: cooperative shares,
trans-local clearing, a social programme with a merchant fee and a donation, redemptions, a
card top-up and demurrage.

``seed_currencies`` runs in the caller's write transaction (like seed_ledger) and does
nothing once the second network's currency exists. ``book_periods`` runs afterwards, out of
any session transaction: programmes' issuance and demurrage book in transactions of their
own, each transfer once (its reference), for dates fixed by the programmes' start dates, so
that running it again books nothing.
"""

import time as clock
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

import ledger
from market.auth.models import User
from market.currencies import (
    clearing,
    demurrage,
    governance,
    member_payments,
    programmes,
    shares,
)
from market.currencies.models import CurrencyPolicy
from market.currencies.programme_models import Programme
from market.currencies.share_models import ShareRequestKind
from market.offers.models import Offer, OfferKind, OfferStatus
from market.payments import redemptions, topups
from market.platform.time import now_utc

#: The cooperative whose share offer the demo subscribes: (subscriber, shares, euros paid).
COOPERATIVE = "gie-insertion-pays-basque"
SUBSCRIPTIONS = [("scic-recyclerie-64", 10, "500.00"), ("ei-bois-nive", 6, "300.00"),
                 ("aci-jardins-adour", 20, "250.00")]  # the last pays only the quarter
#: The capital call (euros per share), the part of it paid, and who asks to withdraw.
CALL_PER_SHARE, CALL_PAID = "25.00", ("aci-jardins-adour", "200.00")
WITHDRAWAL = ("ei-bois-nive", 2)

#: The second network's currency: mutual credit with demurrage, cleared with EUSKO.
SECOND = "ECOSOL"
SECOND_NETWORK = "xes-catalunya"
SECOND_RULES = dict(
    name="Ecosol, monnaie sociale de la Xarxa d'Economia Solidària (crédit mutuel)",
    scale=2, kind="mutual_credit", default_credit_line="1000.00", demurrage_rate_bp=1200,
    demurrage_free_base="100.00", demurrage_period="monthly")
SECOND_HOLDERS = ["coop-barcelona-menjadors", "insercio-catalunya-verd", "girona-teixits",
                  "coop-energia-catalunya"]
AGREEMENT = {"rate": "1", "limit": "2000.00"}
CROSS_PAYMENT = ("aci-jardins-adour", "coop-barcelona-menjadors", "240.00",
                 "Repas bio du séminaire inter-réseaux à Barcelone")

#: Programmes: EUSKO's pays from the town hall's euskos (bought by card, so the reserve
#: still covers every eusko) and starts this month; the second currency's pays from its
#: issuance (mutual credit) and started last month, issued then (its demurrage's base).
EUSKO_PROGRAMME = "Chèque eusko solidaire de la Ville de Bayonne"
SECOND_PROGRAMME = "Dotation Ecosol des coopératives catalanes"
FUNDER, FUNDING = "commune-bayonne", "600.00"
PROGRAMME_RECIPIENTS = ["esat-hendaye", "ai-cote-basque", "scic-tourisme-pays-basque"]

#: EUSKO's merchant fee, a donation rule and the member payment carrying both.
MERCHANT_FEE_BP = 200
DONOR, ASSOCIATION, DONATION_BP = "ei-bois-nive", "esat-hendaye", 100
MEMBER_PAYMENT = ("ei-bois-nive", "ei-proprete-labourd", "150.00",
                  "Nettoyage de l'atelier de menuiserie")

#: Redemptions of euskos: (member, amount) pending, then approved.
PENDING_REDEMPTION = ("ei-bois-nive", "100.00")
APPROVED_REDEMPTION = ("aci-jardins-adour", "200.00", "VIR-DEMO-0001")

#: The euro top-up by card (Stripe's event fed as it arrives, no call to Stripe).
TOPUP = ("aci-jardins-adour", "500.00", "tresorerie@jardins-adour.example")


def user_id(session, email: str) -> int | None:
    return session.scalar(select(User.id).where(User.email == email))


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return first_of_month(first_of_month(day) - timedelta(days=1))


def account_of(session, member, code: str) -> int:
    """The member's account in ``code``, opened (named after it) when it has none."""
    return governance.member_account(session, member.id, code) or \
        governance.open_member_account(session, member.id, code, f"{member.name} — {code}")


def money(minor: int, scale: int = 2) -> str:
    """An amount as French readers write it: "1 234,50"."""
    whole, _, cents = ledger.format_amount(minor, scale).partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    return f"{grouped},{cents}" if cents else grouped


def stripe_succeeded(topup) -> dict:
    """The ``payment_intent.succeeded`` event Stripe sends for ``topup`` (see
    tests/integration/payments_helpers.py)."""
    intent = {"id": topup.payment_intent, "object": "payment_intent",
              "amount": topup.euro_cents, "currency": "eur", "status": "succeeded",
              "metadata": {topups.METADATA_KEY: topup.reference}}
    return {"id": f"evt_demo_{topup.reference}", "object": "event",
            "type": "payment_intent.succeeded", "created": int(clock.time()),
            "data": {"object": intent}}


def top_up(session, member, account_id: int, amount: str, key: str, by=None):
    """A card top-up recorded with a made-up PaymentIntent, credited by Stripe's event."""
    plan = topups.plan(session, {member.id}, account_id, amount,
                       reference=topups.reference_for(0, f"demo:{key}"))
    intent = f"pi_demo_{plan.reference.removeprefix('tu_')}"
    topup = topups.record(session, plan, intent, f"{intent}_secret_demo", by)
    topups.handle_event(session, stripe_succeeded(topup))
    return topup


def seed_shares(session, members: dict) -> None:
    """Three subscriptions to the cooperative's share offer (one paying a quarter), a call
    partly paid and a withdrawal waiting for the cooperative's decision."""
    cooperative = members[COOPERATIVE]
    offer = session.scalars(select(Offer).where(
        Offer.member_id == cooperative.id, Offer.kind == OfferKind.share,
        Offer.status == OfferStatus.published).order_by(Offer.id)).first()
    capital = shares.open_capital(session, cooperative, offer.price_minor)
    admin = user_id(session, "admin@jardins-adour.example")
    for key, count, paid in SUBSCRIPTIONS:
        account_of(session, members[key], capital.share_code)
        shares.subscribe(session, offer, members[key], count, ledger.parse_amount(paid, 2),
                         by=admin if key == "aci-jardins-adour" else None)
    shares.call(session, cooperative.id, ledger.parse_amount(CALL_PER_SHARE, 2))
    payer, paid = CALL_PAID
    shares.pay_call(session, cooperative.id, members[payer].id, ledger.parse_amount(paid, 2),
                    by=admin)
    holder, units = WITHDRAWAL
    shares.ask(session, cooperative.id, members[holder].id, ShareRequestKind.withdrawal, units,
               by=user_id(session, "admin@bois-nive.example"))


def seed_clearing(session, members: dict, networks: dict) -> None:
    """The second network's currency, its accounts, an agreement with EUSKO's network and
    one payment across them."""
    network = networks[SECOND_NETWORK]
    governance.create_currency(session, code=SECOND, network_id=network.id,
                               by=user_id(session, "admin@intercoop.example"), **SECOND_RULES)
    for key in SECOND_HOLDERS:
        account_of(session, members[key], SECOND)
    eusko = governance.policy_of(session, "EUSKO")
    clearing.create_agreement(session, network_a_id=eusko.network_id,
                              network_b_id=network.id, currency_a="EUSKO", currency_b=SECOND,
                              by=user_id(session, "admin@intercoop.example"), **AGREEMENT)
    payer, payee, amount, description = CROSS_PAYMENT
    clearing.pay(session, from_account=account_of(session, members[payer], "EUSKO"),
                 to_member=members[payee].id, amount=amount, description=description,
                 movers=frozenset({members[payer].id}))


def seed_programmes(session, members: dict, today: date) -> None:
    """The EUSKO programme (funded by the town hall's card top-up) and the second
    currency's, started last month; EUSKO's merchant fee, a donation rule and a payment."""
    admin = user_id(session, "admin@intercoop.example")
    funder = members[FUNDER]
    funds = account_of(session, funder, "EUSKO")
    top_up(session, funder, funds, FUNDING, "programme-bayonne")
    eusko = programmes.create_programme(session, {
        "name": EUSKO_PROGRAMME, "currency": "EUSKO", "amount": "50.00", "period": "monthly",
        "start_date": first_of_month(today), "issuing_account": funds}, by=admin)
    programmes.add_recipients(session, eusko.id, [
        account_of(session, members[key], "EUSKO") for key in PROGRAMME_RECIPIENTS])
    second = programmes.create_programme(session, {
        "name": SECOND_PROGRAMME, "currency": SECOND, "amount": "300.00",
        "period": "monthly", "start_date": previous_month(today)}, by=admin)
    programmes.add_recipients(session, second.id, [
        account_of(session, members[key], SECOND) for key in SECOND_HOLDERS])
    governance.update_policy(session, "EUSKO", {"merchant_fee_bp": MERCHANT_FEE_BP}, by=admin)
    member_payments.set_donation_rule(session, members[DONOR].id, "EUSKO",
                                      members[ASSOCIATION].id, DONATION_BP)
    payer, payee, amount, description = MEMBER_PAYMENT
    member_payments.pay(session, from_account=account_of(session, members[payer], "EUSKO"),
                        to_account=account_of(session, members[payee], "EUSKO"),
                        amount=amount, description=description,
                        movers={members[payer].id})


def seed_redemptions(session, members: dict) -> None:
    """A redemption of euskos waiting for the treasurer, and one the treasurer approved."""
    key, amount = PENDING_REDEMPTION
    redemptions.request_redemption(session, account_id=account_of(session, members[key],
                                                                  "EUSKO"),
                                   amount=amount, movers=frozenset({members[key].id}))
    key, amount, reference = APPROVED_REDEMPTION
    asked = redemptions.request_redemption(
        session, account_id=account_of(session, members[key], "EUSKO"), amount=amount,
        movers=frozenset({members[key].id}))
    redemptions.approve(session, asked.id, payout_reference=reference,
                        by=user_id(session, "tresorier@intercoop.example"))


def seed_currencies(session, members: dict, networks: dict,
                    today: date | None = None) -> dict[str, str] | None:
    """Show each currency capability once (in the caller's transaction); the summary's
    parts by capability, or None when the second network's currency exists already (or
    EUSKO does not)."""
    if session.get(CurrencyPolicy, SECOND) is not None \
            or session.get(CurrencyPolicy, "EUSKO") is None:
        return None
    today = today or now_utc().date()
    key, amount, treasurer = TOPUP
    member = members[key]
    topup = top_up(session, member, account_of(session, member, "EUR"), amount, "jardins",
                   by=user_id(session, treasurer))
    seed_shares(session, members)
    seed_clearing(session, members, networks)
    seed_programmes(session, members, today)
    seed_redemptions(session, members)
    payer, payee, paid, _ = CROSS_PAYMENT
    return {
        "shares": f"Parts sociales : {len(SUBSCRIPTIONS)} souscriptions au capital de "
                  f"{members[COOPERATIVE].name} (dont une libérée au quart), un appel de "
                  f"{CALL_PER_SHARE.replace('.', ',')} € par part en partie versé, une "
                  "demande de retrait en attente.",
        "clearing": f"Compensation entre réseaux : {SECOND} "
                    f"({networks[SECOND_NETWORK].name}) et EUSKO liées par un accord, un "
                    f"paiement de {paid.replace('.', ',')} EUSKO de {members[payer].name} à "
                    f"{members[payee].name}.",
        "rules": f"{MERCHANT_FEE_BP / 100:g} % de frais commerçant sur l'EUSKO, "
                 f"{members[DONOR].name} donne {DONATION_BP / 100:g} % de ses paiements à "
                 f"{members[ASSOCIATION].name}, un paiement les porte.",
        "redemptions": "Conversions d'euskos en euros : une demande en attente, une "
                       "approuvée.",
        "topup": f"Recharge par carte : {money(topup.euro_cents)} € crédités à "
                 f"{member.name} ({topup.payment_intent}).",
    }


def book_periods(session, engine) -> dict[str, str]:
    """Issue the demo programmes' first period and book the second currency's demurrage for
    last month, each transfer once; the summary's part of each booking that wrote.

    Runs with no session transaction open: the bookings write in transactions of their own
    (on SQLite an open session transaction would hold them off)."""
    session.rollback()
    demo = list(session.scalars(select(Programme).where(
        Programme.name.in_([EUSKO_PROGRAMME, SECOND_PROGRAMME])).order_by(Programme.id)))
    work = [(p, programmes.recipient_ids(session, p.id)) for p in demo]
    policy = session.get(CurrencyPolicy, SECOND)
    rules = demurrage.rules_of(policy) if policy is not None else None
    for programme, _ in work:
        session.expunge(programme)
    session.rollback()
    today, parts, second = now_utc().date(), {}, None
    for programme, recipients in work:
        start = programme.start_date
        period = demurrage.period_of(start, programme.period)
        # A period already over is booked as of its start: the demo's history.
        at = datetime.combine(start, time(9), UTC) if period.end <= today else None
        done = programmes.issue(engine, programme, recipients, start, now=at)
        what = "eusko" if programme.currency == "EUSKO" else "second"
        if programme.currency == SECOND:
            second = start
        if done.booked:
            parts[what] = (f"« {programme.name} » : {money(programme.amount)} "
                           f"{programme.currency} par mois à {done.booked} comptes, "
                           f"période {period.label} émise")
    if rules is not None and second is not None:
        period = demurrage.period_of(second, rules.period)
        done = demurrage.book_demurrage(engine, rules, second)
        if done.booked:
            commons = ledger.get_account(engine, rules.commons_account_id)["balance"]
            parts["demurrage"] = (f"{done.booked} comptes fondus pour {period.label}, "
                                  f"{commons.replace('.', ',')} {rules.code} aux communs")
    return parts


def summary(seeded: dict[str, str] | None, booked: dict[str, str]) -> list[str]:
    """One line per capability shown (nothing when a second run made and booked nothing)."""
    seeded = seeded or {}
    lines = [seeded[k] for k in ("shares", "clearing") if k in seeded]
    programme = " ; ".join(p for p in (booked.get("eusko"), seeded.get("rules")) if p)
    if programme:
        lines.append(f"Programme social {programme}")
    lines += [seeded[k] for k in ("redemptions", "topup") if k in seeded]
    melt = " ; ".join(p for p in (booked.get("second") and f"programme {booked['second']}",
                                  booked.get("demurrage")) if p)
    if melt:
        lines.append(f"Fonte {SECOND} ({SECOND_RULES['demurrage_rate_bp'] / 100:g} % l'an "
                     f"au-delà de {SECOND_RULES['demurrage_free_base'].replace('.', ',')}) : "
                     f"{melt}.")
    return lines
