"""Members as the ledger knows them: the opaque owner reference ``"member:<id>"``."""

from market.members.identifiers import InvalidIdentifier, clean_siret
from market.members.services import member_with_siret
from market.platform.extensions import db
from market.web.errors import Conflict

OWNER_PREFIX = "member:"


def owner_ref(member_id: int | None) -> str | None:
    """The ledger owner reference of a member's accounts (None for system accounts)."""
    return None if member_id is None else f"{OWNER_PREFIX}{member_id}"


def member_of(ref: str | None) -> int | None:
    """The member id an owner reference names, or None."""
    if ref is None or not ref.startswith(OWNER_PREFIX) or not ref[len(OWNER_PREFIX):].isdigit():
        return None
    return int(ref[len(OWNER_PREFIX):])


def owner_for(identifier: str) -> str | None:
    """The owner reference of the member with this SIRET (or an owner reference as is).

    `flask ledger export --member SIRET` takes it, so that people name members as they
    know them while the ledger stays ignorant of members.
    """
    if identifier.startswith(OWNER_PREFIX):
        return identifier
    try:
        found = member_with_siret(db.session, clean_siret(identifier))
    except (InvalidIdentifier, Conflict):
        return None
    return owner_ref(found.id) if found is not None else None
