"""Which structure a procurement page acts for: the caller's structures that answer
tenders, the one a page asks for (``?member=``) or their first."""

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, or_, select

from market.members.models import InclusionKind, Member
from market.offers.viewer import TRADERS
from market.platform.extensions import db
from market.procurement.models import Structure
from market.web.errors import Forbidden, NotFound, ValidationError


def answering():
    """The condition a member answering tenders meets: an inclusion kind or a Structure row."""
    return or_(Member.inclusion_kind != InclusionKind.none,
               exists().where(Structure.member_id == Member.id))


def structures_of(user) -> list[Member]:
    """The structures ``user`` reads for as admin or staff, by name."""
    ids = user.member_ids(*TRADERS, acting="read")
    if not ids:
        return []
    return list(db.session.scalars(select(Member).where(Member.id.in_(sorted(ids)), answering())
                                   .order_by(Member.name, Member.id)))


def own_structures() -> list[Member]:
    """The caller's structures; none: 403."""
    members = structures_of(current_user)
    if not members:
        raise Forbidden(_("Seules les structures qui répondent aux marchés (SIAE, EA, "
                          "ESAT...) ont des groupements et répondent aux lots."))
    return members


def chosen(members: list[Member], requested: str | None) -> Member:
    """The structure asked for (``?member=``), else the first; one not the caller's: 404."""
    if not requested:
        return members[0]
    if not requested.isdigit() or len(requested) > 10:
        raise ValidationError({"member": [_("Identifiant de structure invalide.")]})
    for member in members:
        if member.id == int(requested):
            return member
    raise NotFound(_("Structure introuvable."))
