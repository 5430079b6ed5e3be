"""The roles of CONVENTIONS.md and what each is scoped to."""

from enum import StrEnum


class Role(StrEnum):
    """A user's role: member roles are scoped to one member, network roles are global."""

    member_admin = "member_admin"
    member_staff = "member_staff"
    member_treasurer = "member_treasurer"
    buyer = "buyer"
    network_treasurer = "network_treasurer"
    network_admin = "network_admin"
    #: Follows the insertion clauses of a territory (the departments of
    #: market.procurement.contract_models.FacilitatorDepartment): validates hours reports.
    clause_facilitator = "clause_facilitator"


#: Roles held for one member organisation (a buyer acts for a public-body member).
MEMBER_SCOPED = frozenset({Role.member_admin, Role.member_staff, Role.member_treasurer,
                           Role.buyer})
#: Roles held across the whole network.
NETWORK_SCOPED = frozenset({Role.network_treasurer, Role.network_admin,
                            Role.clause_facilitator})

#: What a member's status lets its users do through the roles they hold for it: an active
#: member's users read and write; a suspended member's only read; a pending member's wait
#: for approval (they see their own profile, nothing more); a rejected member's do nothing.
#: Network roles are held for no member and are never restricted.
STANDING = {
    "active": frozenset({"read", "write"}),
    "suspended": frozenset({"read"}),
    "pending": frozenset(),
    "rejected": frozenset(),
}
ACTING = ("read", "write")


def allows(member_status: str | None, acting: str) -> bool:
    """Tell whether a role held for a member of this status (None: a network role) lets its
    holder ``acting`` ("read" or "write")."""
    if acting not in ACTING:
        raise ValueError(f"acting is read or write, not {acting!r}")
    return member_status is None or acting in STANDING.get(member_status, frozenset())


def parse_role(value: str) -> Role:
    """Return the Role named by ``value`` or raise ValueError listing the valid ones."""
    try:
        return Role(value)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}; valid roles: {valid}") from None
