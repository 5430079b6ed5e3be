"""Turn what people type to name a member (a SIRET) into the ledger's owner reference."""

from sqlalchemy import select

from market.extensions import db
from market.ledger_access import OWNER_PREFIX, owner_ref
from market.members.identifiers import InvalidIdentifier, clean_siret
from market.members.models import Member


def owner_for(identifier: str) -> str | None:
    """Return the owner reference of the member with this SIRET (or an owner reference as is).

    Registered as the ledger CLI's `ledger_owner_lookup`, so that
    `flask ledger export --member SIRET` works while the ledger stays ignorant of members.
    """
    if identifier.startswith(OWNER_PREFIX):
        return identifier
    try:
        siret = clean_siret(identifier)
    except InvalidIdentifier:
        return None
    member_id = db.session.scalar(select(Member.id).where(Member.siret == siret))
    return owner_ref(member_id) if member_id is not None else None
