"""Builders for marketplace tests: a ledger with currencies, traders with accounts, offers."""

from dataclasses import dataclass, field

import ledger
from market.auth.roles import Role
from market.offers import services
from market.treasury.owners import owner_ref
from tests.integration.members_factories import bearer, make_member, make_user

CURRENCIES = [("EUR", "Euro", 2, "fiat"), ("MUTU", "Crédit mutuel", 2, "mutual_credit"),
              ("EUSKO", "Eusko", 2, "backed"), ("PARTS", "Parts", 0, "share")]
#: Bayonne, and places at known distances from it.
BAYONNE = (43.4929, -1.4748)


@dataclass
class Trader:
    """A member with a user (member admin), a bearer header and one account per currency."""

    member: object
    user: object
    headers: dict
    accounts: dict = field(default_factory=dict)


def make_currencies(db) -> None:
    """Create the test currencies once."""
    engine = db.engine
    known = {c["code"] for c in ledger.list_currencies(engine)}
    for code, name, scale, kind in CURRENCIES:
        if code not in known:
            ledger.create_currency(engine, code, name, scale, kind)


def make_trader(db, n: int, name: str, *, funds: dict | None = None,
                credit_line: str = "-500.00", **member_fields) -> Trader:
    """A member with accounts in EUR, MUTU and EUSKO; ``funds`` are credited from a source."""
    make_currencies(db)
    values = {"latitude": BAYONNE[0], "longitude": BAYONNE[1], **member_fields}
    member = make_member(db, name=name, n=n, **values)
    user = make_user(db, email=f"trader{n}@example.org",
                     roles=[(Role.member_admin, member.id)])
    trader = Trader(member, user, bearer(db, user))
    for code in ("EUR", "MUTU", "EUSKO"):
        low = credit_line if code == "MUTU" else "0.00"
        trader.accounts[code] = ledger.create_account(
            db.engine, code, f"{name} {code}", owner_ref=owner_ref(member.id),
            min_balance=low)["id"]
    for code, amount in (funds or {}).items():
        source = ledger.create_account(db.engine, code, f"source {n} {code}",
                                       min_balance=None)["id"]
        ledger.transfer(db.engine, [{"from": source, "to": trader.accounts[code],
                                     "amount": amount}])
    db.session.commit()  # no read transaction left open for the next request to inherit
    return trader


def offer_fields(**overrides) -> dict:
    """Valid API fields of a product offer (prices as decimal strings)."""
    return {"kind": "product", "title": "Planches de chêne", "description": "Chêne local.",
            "sector": "wood.carpentry", "unit": "planche", "price": "12.50",
            "currency": "EUR", "currency_share": 0, "accepted_currencies": [],
            "quantity": 10, "deliveries": [], "reach": "national", "radius_km": None,
            **overrides}


def make_offer(db, trader: Trader, publish: bool = True, **overrides):
    """An offer of ``trader`` written through the service (published unless told not)."""
    from market.offers.schemas import OfferInSchema

    data = OfferInSchema().load(offer_fields(**overrides))
    offer = services.create_offer(db.session, trader.member, data)
    if publish:
        services.transition(db.session, offer, "publish")
    db.session.commit()
    return offer
