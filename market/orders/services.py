"""Order use cases: request, then accept (hold), deliver, confirm (post), reject, cancel (void).

Each runs in the caller's one database transaction: the order, the offer's stock and the
ledger's rows (written on the session's own connection, in a savepoint) commit or roll
back together. The caller starts it with market.platform.database.begin_write and commits.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

import ledger
from market.members.models import Member
from market.offers.models import FeeKind, Offer, OfferKind, OfferStatus
from market.offers.services import COMPLEMENTARY_KINDS, parse_price
from market.orders.models import Order, OrderState
from market.platform.time import now_utc
from market.treasury.owners import owner_ref
from market.web.errors import BusinessRuleError, InvalidState, NotFound, ValidationError

#: How long an accepted order's hold lasts: the buyer confirms delivery within it.
HOLD_DAYS = 30
BUYER, SELLER = "buyer", "seller"
#: (state, action) -> new state; anything else is refused (STYLE.md, item 8).
ORDER_TRANSITIONS = {
    (OrderState.requested, "accept"): OrderState.accepted,
    (OrderState.requested, "reject"): OrderState.rejected,
    (OrderState.requested, "cancel"): OrderState.cancelled,
    (OrderState.accepted, "cancel"): OrderState.cancelled,
    (OrderState.accepted, "deliver"): OrderState.delivered,
    (OrderState.accepted, "confirm"): OrderState.completed,
    (OrderState.delivered, "confirm"): OrderState.completed,
    (OrderState.accepted, "expire"): OrderState.expired,
    (OrderState.delivered, "expire"): OrderState.expired,
}
#: Which side may take each action ("expire" is the job's alone).
ACTORS = {"accept": {SELLER}, "reject": {SELLER}, "deliver": {SELLER},
          "confirm": {BUYER}, "cancel": {BUYER, SELLER}, "expire": set()}


class CommitThenRefuse(Exception):
    """A step the ledger refused, whose record (why, or that the hold expired) must stand."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


def not_eligible(message: str, details: dict | None = None) -> BusinessRuleError:
    return BusinessRuleError(message, details, code="not_eligible")


def account_in(conn, member_id: int, currency: str) -> int | None:
    """The member's first open account in ``currency``, or None."""
    found = [a for a in ledger.list_accounts(conn, owner_ref=owner_ref(member_id),
                                             currency=currency) if a["status"] == "open"]
    return found[0]["id"] if found else None


def request_order(session, offer: Offer, buyer: Member, user_id: int | None, data: dict,
                  *, now: datetime | None = None) -> Order:
    """Place a requested order: quantity, delivery and payment mix checked and fixed now."""
    now = now or now_utc()
    if offer.status != OfferStatus.published or offer.member.status != "active" or (
            offer.valid_until is not None and offer.valid_until <= now):
        raise NotFound(_("Offre introuvable."))
    if offer.member_id == buyer.id:
        raise not_eligible(_("Une structure ne commande pas sa propre offre."))
    if buyer.status != "active":
        raise not_eligible(_("Seule une structure active peut commander."))
    conn = session.connection()
    scales = {c["code"]: c for c in ledger.list_currencies(conn)}
    errors: dict[str, list[str]] = {}
    quantity = data["quantity"]
    check_quantity(offer, quantity, errors)
    delivery, fee = choose_delivery(offer, data.get("delivery"), errors)
    goods = offer.price_minor * quantity
    total = goods + fee
    payment = payment_mix(conn, offer, buyer.id, data.get("payment"), goods, total, scales,
                          errors)
    if errors:
        raise ValidationError(errors)
    order = Order(offer=offer, buyer_member_id=buyer.id, seller_member_id=offer.member_id,
                  buyer_user_id=user_id, quantity=quantity, unit_price_minor=offer.price_minor,
                  currency=offer.currency, delivery=delivery, fee_minor=fee, total_minor=total,
                  payment=payment, note=data.get("note", ""), state=OrderState.requested,
                  created_at=now)
    session.add(order)
    session.flush()
    tell(session, order, "order_requested", order.seller_member_id)
    return order


def check_quantity(offer: Offer, quantity: int, errors: dict) -> None:
    """Within the stock (when kept) and, for shares, within the subscription bounds."""
    if offer.quantity is not None and quantity > offer.quantity:
        errors["quantity"] = [_("Il n'en reste que %(n)s.", n=offer.quantity)]
    if offer.kind == OfferKind.share and (
            quantity < (offer.share_min or 1)
            or offer.share_max is not None and quantity > offer.share_max):
        errors["quantity"] = [_("Entre %(low)s et %(high)s parts par souscripteur.",
                                low=offer.share_min, high=offer.share_max or "∞")]


def choose_delivery(offer: Offer, delivery_id: int | None, errors: dict) -> tuple[dict, int]:
    """A copy of the chosen delivery method and its fixed fee (a quote adds nothing yet)."""
    if delivery_id is None:
        if offer.deliveries:
            errors["delivery"] = [_("Choisissez un mode de remise.")]
        return {"kind": "agreed"}, 0
    method = next((d for d in offer.deliveries if d.id == delivery_id), None)
    if method is None:
        errors["delivery"] = [_("Ce mode de remise n'est pas proposé pour cette offre.")]
        return {}, 0
    copy = {"id": method.id, "kind": method.kind, "address": method.address,
            "radius_km": method.radius_km, "region": method.region,
            "fee_kind": method.fee_kind}
    return copy, method.fee_minor if method.fee_kind == FeeKind.fixed else 0


def payment_mix(conn, offer: Offer, buyer_id: int, payment: list | None, goods: int,
                total: int, currencies: dict, errors: dict) -> list[dict]:
    """The mix [{currency, minor}] summing to ``total``, complementary part within the cap."""
    if not payment:
        payment = [{"currency": offer.currency,
                    "amount": ledger.format_amount(total, currencies[offer.currency]["scale"])}]
    mix: dict[str, int] = {}
    allowed = {offer.currency, *offer.accepted_currencies}
    for index, part in enumerate(payment):
        code = part["currency"]
        if code not in allowed or code not in currencies:
            errors[f"payment.{index}.currency"] = [_(
                "Cette offre ne se paie pas en %(code)s.", code=code)]
            continue
        minor = parse_price(part["amount"], currencies[code]["scale"],
                            f"payment.{index}.amount", errors)
        if minor is not None:
            mix[code] = mix.get(code, 0) + minor
    if errors:
        return []
    cap = goods * offer.currency_share // 100
    complementary = sum(v for c, v in mix.items() if c != offer.currency
                        and currencies[c]["kind"] in COMPLEMENTARY_KINDS)
    if complementary > cap:
        errors["payment"] = [_("Au plus %(cap)s peuvent être payés en monnaie complémentaire.",
                               cap=ledger.format_amount(cap, 2))]
    elif sum(mix.values()) != total:
        errors["payment"] = [_("Le paiement doit faire exactement %(total)s.",
                               total=ledger.format_amount(total, 2))]
    for code in mix:
        if account_in(conn, buyer_id, code) is None:
            errors.setdefault("payment", []).append(_(
                "Votre structure n'a pas de compte en %(code)s.", code=code))
    return [{"currency": c, "minor": v} for c, v in sorted(mix.items()) if v > 0]


def get_order(session, order_id: int, member_ids: set[int], *, lock: bool = False) -> Order:
    """An order of one of ``member_ids`` (as buyer or seller); any other is NotFound."""
    order = None
    if 0 < order_id < 2**31:
        stmt = select(Order).where(Order.id == order_id)
        order = session.scalars(stmt.with_for_update(of=Order) if lock else stmt).first()
    if order is None or not ({order.buyer_member_id, order.seller_member_id} & member_ids):
        raise NotFound(_("Commande introuvable."))
    return order


def sides(order: Order, member_ids: set[int]) -> set[str]:
    """Which sides of ``order`` the caller acts for."""
    found = set()
    if order.buyer_member_id in member_ids:
        found.add(BUYER)
    if order.seller_member_id in member_ids:
        found.add(SELLER)
    return found


def act(session, order: Order, action: str, acting: set[str], *,
        now: datetime | None = None) -> Order:
    """Move ``order`` by ``action`` when the caller's side may; the ledger step goes with it."""
    now = now or now_utc()
    target = ORDER_TRANSITIONS.get((OrderState(order.state), action))
    if target is None:
        raise InvalidState(_("Impossible de faire cela sur une commande dans cet état."),
                           {"state": order.state, "action": action})
    if action != "expire" and not acting & ACTORS[action]:
        raise BusinessRuleError(_("C'est à l'autre partie de faire cela."),
                                {"state": order.state, "action": action}, code="forbidden")
    conn = session.connection()
    try:
        step(session, conn, order, action, target, now)
    except ledger.LedgerError as error:
        if error.details.get("status") == "expired":  # the hold lapsed before this step
            give_back(session, order)
            close(order, OrderState.expired, now)
        else:  # the buyer's funds or a limit: the order stays as it was and says why
            order.refusal = {"action": action, "code": error.code, "at": now.isoformat()}
        session.flush()
        raise CommitThenRefuse(error) from None
    close(order, target, now)
    session.flush()
    tell(session, order, "order_changed", order.seller_member_id if BUYER in acting
         else order.buyer_member_id)
    return order


def tell(session, order: Order, kind: str, member_id: int) -> None:
    """Notify ``member_id``'s traders of the order (written with the use case: the outbox)."""
    from market.notifications import services as notifications

    params = {"order_id": order.id, "offer_title": order.offer.title}
    params.update({"buyer_name": order.buyer.name} if kind == "order_requested"
                  else {"state": order.state})
    notifications.notify_member(session, member_id, kind, params, f"/commandes/{order.id}")


def close(order: Order, target: OrderState, now: datetime) -> None:
    """Record the new state and when it was reached."""
    order.state = target
    if target == OrderState.delivered:
        order.delivered_at = now
    if target not in (OrderState.accepted, OrderState.delivered):
        order.closed_at = now
    order.refusal = None


def step(session, conn, order: Order, action: str, target: OrderState, now: datetime) -> None:
    """The ledger's part of a transition (and the stock's)."""
    if action == "accept":
        accept(session, conn, order, now)
    elif order.transfer_id is not None and target == OrderState.completed:
        settle(session, conn, order, "post", now)
    elif order.transfer_id is not None and target in (OrderState.cancelled,
                                                       OrderState.expired):
        settle(session, conn, order, "void" if action == "cancel" else None, now)


def accept(session, conn, order: Order, now: datetime) -> None:
    """Take the stock and hold the buyer's funds, one posting per currency of the mix."""
    offer = session.scalars(select(Offer).where(Offer.id == order.offer_id)
                            .with_for_update(of=Offer)).one()  # the stock, serialised
    session.refresh(offer, ["quantity"])
    if offer.quantity is not None and offer.quantity < order.quantity:
        raise InvalidState(_("Stock insuffisant : il n'en reste que %(n)s.", n=offer.quantity),
                           {"available": offer.quantity})
    postings = []
    for part in order.payment:
        source = account_in(conn, order.buyer_member_id, part["currency"])
        target = account_in(conn, order.seller_member_id, part["currency"])
        if source is None or target is None:
            raise not_eligible(_("Un compte en %(code)s manque pour régler cette commande.",
                                 code=part["currency"]))
        postings.append({"from": source, "to": target, "amount": part["minor"]})
    held = ledger.hold(conn, postings, timeout_seconds=HOLD_DAYS * 24 * 3600, now=now,
                       description=f"Commande {order.id} : {offer.title}"[:200],
                       reference=f"order:{order.id}", post_by="debtor",
                       placed_by=owner_ref(order.seller_member_id))
    order.transfer_id = held["id"]
    if offer.quantity is not None:
        offer.quantity -= order.quantity
        order.stock_taken = order.quantity
    order.accepted_at = now


def settle(session, conn, order: Order, action: str | None, now: datetime) -> None:
    """Post or void the order's hold (None: it expired already); give the stock back unless
    the trade completed."""
    if action == "post":
        ledger.post_pending(conn, order.transfer_id, now=now)
        return
    if action == "void":
        ledger.void_pending(conn, order.transfer_id, now=now)
    give_back(session, order)


def give_back(session, order: Order) -> None:
    """Return the units the order took to the offer's stock."""
    if order.stock_taken:
        offer = session.scalars(select(Offer).where(Offer.id == order.offer_id)
                                .with_for_update(of=Offer)).one()
        if offer.quantity is not None:
            offer.quantity += order.stock_taken
        order.stock_taken = 0


def expire_due(session, *, now: datetime | None = None) -> int:
    """Mark expired the open orders whose hold the ledger expired; return how many."""
    now = now or now_utc()
    conn = session.connection()
    ledger.expire_holds(conn, now=now)
    held = session.scalars(select(Order).where(
        Order.state.in_([OrderState.accepted, OrderState.delivered]),
        Order.transfer_id.is_not(None)).with_for_update(of=Order)).all()
    count = 0
    for order in held:
        if ledger.get_transfer(conn, order.transfer_id, now=now)["status"] == "expired":
            act(session, order, "expire", set(), now=now)
            count += 1
    return count


def hold_deadline(order: Order) -> datetime | None:
    """When the buyer's hold lapses (accepted and delivered orders)."""
    return None if order.accepted_at is None else order.accepted_at + timedelta(days=HOLD_DAYS)
