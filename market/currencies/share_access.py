"""Who acts on cooperative shares, for the share API and the share pages alike."""

from market.auth.roles import Role

#: Who acts for a holder (moves its euros) and for a cooperative (its register, calls).
HOLDERS = (Role.member_admin, Role.member_treasurer)


def keeps_register(user, member_id: int) -> bool:
    """The cooperative's treasurers and admins, and the network's treasurers and admins."""
    return user.is_authenticated and (
        user.has_role(Role.network_treasurer) or user.has_role(Role.network_admin)
        or any(user.has_role(r, member_id, "read") for r in HOLDERS))


def manages(user, member_id: int) -> bool:
    """The cooperative's own treasurers and admins (its member active): they call and decide."""
    return user.is_authenticated and any(user.has_role(r, member_id, "write") for r in HOLDERS)


def subscribers(user) -> set[int]:
    """The members ``user`` may subscribe shares for (their admin or treasurer, active)."""
    return user.member_ids(*HOLDERS, acting="write") if user.is_authenticated else set()


def may_subscribe(user, view_args=None) -> bool:
    """Access rule: a user acting for at least one member as its admin or treasurer."""
    return user is not None and bool(subscribers(user))
