"""Keep SQLite's full-text index of offers in step (PostgreSQL's is a generated column)."""

from sqlalchemy import text

from market.offers import text as offer_text
from market.offers.models import Offer

_DELETE = text("DELETE FROM offers_fts WHERE rowid = :id")
_INSERT = text("INSERT INTO offers_fts (rowid, french, english) VALUES (:id, :french, :english)")


def refresh(session, offer: Offer) -> None:
    """Index ``offer``'s title and description again (SQLite; nothing to do on PostgreSQL)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    conn.execute(_DELETE, {"id": offer.id})
    # The title counts twice, as PostgreSQL weighs it over the description.
    stems = offer_text.indexed(f"{offer.title} {offer.title} {offer.description}")
    conn.execute(_INSERT, {"id": offer.id, **stems})

