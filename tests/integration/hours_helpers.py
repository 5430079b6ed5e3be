"""Set-up shared by the insertion hours tests (API and pages): two contracts awarded in
January 2025 around La Rochelle, and clause facilitators of the Charente-Maritime (17) and
the Gironde (33)."""

from datetime import UTC, datetime

from market.auth.roles import Role
from market.procurement import facilitators
from tests.integration.members_factories import make_user
from tests.integration.procurement_factories import (
    make_bid,
    make_buyer,
    make_contract,
    make_grouping,
    make_lot,
    make_structure,
)

#: Contracts of the tests are awarded in January 2025: their months have all ended.
AWARDED = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
#: What reviewing a report writes.
REVIEWED = ("hours_reports", "notifications", "outbox_emails")


def make_facilitator(db, email: str, departments: list[str]):
    """A clause facilitator following ``departments``."""
    user = make_user(db, email=email, roles=[(Role.clause_facilitator, None)])
    facilitators.set_departments(db.session, user, departments)
    db.session.commit()
    return user


def make_hours_world(db) -> dict:
    """A grouping's contract (60/40) and a single structure's, the buyer, the facilitators
    (users ``f17`` and ``f33``); the single structure's name looks like a formula."""
    buyer = make_buyer(db, 1)
    holder = make_structure(db, 2, "Jardins de l'Aunis")
    partner = make_structure(db, 3, "Terres de Ré")
    alone = make_structure(db, 4, "=Nettoyage Océan")
    lot = make_lot(db, buyer)
    grouping = make_grouping(db, holder, [partner])
    bid = make_bid(db, lot, holder, grouping=grouping,
                   shares={holder.member.id: 6000, partner.member.id: 4000})
    contract = make_contract(db, lot, bid)
    other_lot = make_lot(db, buyer, title="Nettoyage des locaux", lot_id="LOT-0002")
    other = make_contract(db, other_lot, make_bid(db, other_lot, alone, hours=200))
    contract.awarded_at = other.awarded_at = AWARDED
    db.session.commit()
    return {"buyer": buyer, "holder": holder, "partner": partner, "alone": alone,
            "contract": contract.id, "other": other.id, "lot_title": lot.title,
            "f17": make_facilitator(db, "anim17@example.org", ["17"]),
            "f33": make_facilitator(db, "anim33@example.org", ["33"])}
