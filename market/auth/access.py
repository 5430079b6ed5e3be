"""Access rules that depend on roles: network-wide roles, and roles held for one member."""

from market.auth.roles import Role
from market.web.access import Rule


def network(*roles: Role) -> Rule:
    """Users holding one of the network-wide ``roles``."""

    def rule(user, view_args) -> bool:
        return user is not None and any(user.has_role(r) for r in roles)

    rule.__name__ = f"network({', '.join(roles)})"
    return rule


def member(*roles: Role, arg: str = "member_id") -> Rule:
    """Users holding one of ``roles`` for the member named by the URL argument ``arg``."""

    def rule(user, view_args) -> bool:
        member_id = view_args.get(arg)
        return user is not None and member_id is not None and any(
            user.has_role(r, int(member_id)) for r in roles)

    rule.__name__ = f"member({', '.join(roles)})"
    return rule
