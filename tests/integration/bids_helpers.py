"""Small set-up shared by the bids and contracts tests: a buyer with funds, structures
around La Rochelle, a reserved lot, and moving a tender's deadline into the past."""

from datetime import timedelta

from sqlalchemy import select

import ledger
from market.notifications.models import Notification
from market.platform.time import now_utc
from market.procurement.models import Lot
from tests.integration.procurement_factories import make_buyer, make_lot, make_structure

#: What an award writes, and what paying an invoice writes.
AWARD_WRITES = ("bids", "contracts", "lots", "tenders", "notifications", "outbox_emails")
PAY_WRITES = ("contract_invoices", "ledger_transfers", "ledger_postings", "ledger_accounts",
              "ledger_events", "notifications", "outbox_emails")


def close_bidding(db, lot: Lot) -> None:
    """The lot's tender's deadline is now past: bids are unsealed."""
    db.session.expire_all()
    lot = db.session.get(Lot, lot.id)
    lot.tender.deadline = now_utc() - timedelta(hours=1)
    db.session.commit()


def bid_body(price: str = "55000.00", hours: int = 600, **more) -> dict:
    return {"price": price, "insertion_hours": hours, **more}


def notified(db, kind: str, user) -> list[Notification]:
    """The notifications of ``kind`` that ``user`` received."""
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.kind == kind, Notification.user_id == user.id)))


def balance(db, account_id: int) -> str:
    return ledger.get_account(db.engine, account_id)["balance"]


def make_world(db) -> dict:
    """A buyer with 1,000 EUR, two SIAE (ACI and EI), a GEIQ, and a lot reserved to SIAE."""
    buyer = make_buyer(db, 1, funds={"EUR": "1000.00"})
    lead = make_structure(db, 2, "Jardins de l'Aunis", "ACI")
    partner = make_structure(db, 3, "Terres de Ré", "EI")
    geiq = make_structure(db, 4, "GEIQ Paysage", "GEIQ")
    lot = make_lot(db, buyer, reservation="siae", insertion_hours=500)
    return {"buyer": buyer, "lead": lead, "partner": partner, "geiq": geiq, "lot": lot}
