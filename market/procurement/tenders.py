"""Reading tenders and lots: public once published; a draft only for its buyer's users."""

from flask_babel import gettext as _
from sqlalchemy import or_, select

from market.procurement.models import Lot, Tender, TenderStatus
from market.web.errors import NotFound
from market.web.pagination import Page, paginate

#: Ids are 32-bit: a larger one in a path finds nothing rather than failing in PostgreSQL.
MAX_ID = 2**31 - 1


def visible(buyers: set[int]):
    """The condition a tender the caller may read meets: not a draft, or one of theirs."""
    return or_(Tender.status != TenderStatus.draft, Tender.buyer_id.in_(sorted(buyers)))


def visible_tender(session, tender_id: int, buyers: set[int]) -> Tender:
    """The tender ``tender_id`` if the caller (buying for ``buyers``) may read it."""
    tender = None
    if 0 < tender_id <= MAX_ID:
        tender = session.scalar(select(Tender).where(Tender.id == tender_id, visible(buyers)))
    if tender is None:
        raise NotFound(_("Appel d'offres introuvable."))
    return tender


def visible_lot(session, lot_id: int, buyers: set[int], everyone: bool = False) -> Lot:
    """The lot ``lot_id`` if the caller may read its tender (``everyone``: drafts too)."""
    stmt = select(Lot).join(Tender).where(Lot.id == lot_id)
    lot = None
    if 0 < lot_id <= MAX_ID:
        lot = session.scalar(stmt if everyone else stmt.where(visible(buyers)))
    if lot is None:
        raise NotFound(_("Lot introuvable."))
    return lot


def list_tenders(session, buyers: set[int], *, mine: bool = False, status: str | None = None,
                 limit: int, cursor: str | None = None) -> Page:
    """The tenders the caller may read, oldest first (by id); ``mine``: only their own."""
    stmt = select(Tender).where(visible(buyers))
    if mine:
        stmt = stmt.where(Tender.buyer_id.in_(sorted(buyers)))
    if status:
        stmt = stmt.where(Tender.status == status)
    return paginate(session, stmt, Tender.id, limit=limit, cursor=cursor)
