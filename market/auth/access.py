"""Access rules that depend on roles: network-wide roles, and roles held for one member
(counted as far as that member's status allows: market.auth.roles.STANDING)."""

from market.auth.roles import Role
from market.web.access import Rule


def network(*roles: Role) -> Rule:
    """Users holding one of the network-wide ``roles``."""

    def rule(user, view_args) -> bool:
        return user is not None and any(user.has_role(r) for r in roles)

    rule.__name__ = f"network({', '.join(roles)})"
    return rule


def member(*roles: Role, arg: str = "member_id", acting: str = "write") -> Rule:
    """Users holding one of ``roles`` for the member named by the URL argument ``arg``, when
    its status lets them do what the view does (``acting``: "read" or "write")."""

    def rule(user, view_args) -> bool:
        member_id = view_args.get(arg)
        return user is not None and member_id is not None and any(
            user.has_role(r, int(member_id), acting) for r in roles)

    rule.__name__ = f"member({', '.join(roles)}; {acting})"
    return rule
