"""Who the caller acts for in the marketplace: the members whose offers and orders are theirs."""

from flask_babel import gettext as _
from flask_login import current_user

from market.auth.roles import Role
from market.members.models import Member
from market.web.errors import Forbidden, ValidationError

#: Roles that write a member's offers and act on its orders.
TRADERS = (Role.member_admin, Role.member_staff)
#: Roles that read and act on a member's orders: its traders, and a public body's buyers
#: (a catalogue purchase is an order they confirm, pay and leave a reference on).
ORDER_PARTIES = (*TRADERS, Role.buyer)


def own_members(roles: tuple[Role, ...] = TRADERS) -> set[int]:
    """Members whose offers (or, with ORDER_PARTIES, orders) the caller may read whatever
    their status."""
    if not current_user.is_authenticated:
        return set()
    return current_user.member_ids(*roles, acting="read")


def editable_members(roles: tuple[Role, ...] = TRADERS) -> set[int]:
    """Members the caller may write for with ``roles`` (active members only: STANDING)."""
    if not current_user.is_authenticated:
        return set()
    return current_user.member_ids(*roles, acting="write")


def writing_member(session, requested: str | int | None, roles: tuple[Role, ...] = TRADERS,
                   acting: str = "write") -> Member:
    """The member the caller acts for with ``roles`` (none: any member role): the one asked
    (``?member=``) or their only one; ``acting`` "read" or "write", as its status allows."""
    allowed = own_members(roles) if acting == "read" else editable_members(roles)
    if isinstance(requested, str):
        if not requested.isdigit() or len(requested) > 9:
            raise ValidationError({"member": [_("Identifiant de structure invalide.")]})
        requested = int(requested)
    if requested is not None:
        if requested not in allowed:
            raise Forbidden(_("Vous n'agissez pas pour cette structure."))
        chosen = requested
    elif len(allowed) == 1:
        chosen = next(iter(allowed))
    elif not allowed:
        raise Forbidden(_("Seuls les membres actifs d'une structure active peuvent faire cela."))
    else:
        raise ValidationError({"member": [_("Vous agissez pour plusieurs structures : "
                                            "précisez laquelle (?member=).")]})
    return session.get(Member, chosen)
