"""Who may see and move what in the ledger.

Accounts belong to members through the ledger's opaque owner reference ``"member:<id>"``;
system accounts have none. Decisions (issue 3, item 10):

- network treasurers and network admins read everything and move money from any account,
  system accounts included; only network admins create currencies;
- a member's admins and treasurers move money only *from* that member's accounts (every
  posting's ``from``; a reversal moves from the original ``to`` side), its staff only read;
- accounts are opened by network treasurers/admins for any owner and any limits, and by a
  member's admins for that member with ``min_balance >= 0`` (a credit line is granted by the
  network);
- an account, statement or transfer that the caller may not read answers 404, as if it did
  not exist, so that ids do not leak; moving money from a visible-but-not-yours or unknown
  to you account answers 403;
- a member's roles count as far as its status allows (market.auth.roles.STANDING): the
  users of a suspended member read its accounts and move nothing, those of a pending or
  rejected member neither read nor move. Movers are computed from active members only, so
  the ledger's own check of debited owners (fast path included) refuses the others.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

import ledger
from ledger.lookups import account_owners
from market.auth.access import network
from market.auth.roles import Role
from market.members.models import Member
from market.treasury.owners import member_of, owner_ref
from market.web.errors import Forbidden, NotFound, ValidationError

NETWORK_ROLES = (Role.network_treasurer, Role.network_admin)
MOVER_ROLES = (Role.member_admin, Role.member_treasurer)
READER_ROLES = (Role.member_admin, Role.member_treasurer, Role.member_staff)


def with_owner(account: dict) -> dict:
    """An account as the API shows it: with ``owner_member_id``."""
    return {**account, "owner_member_id": member_of(account["owner_ref"])}


@dataclass(frozen=True)
class Viewer:
    """What a user may do in the ledger, computed once from their roles."""

    network: bool = False
    network_admin: bool = False
    movers: frozenset[int] = frozenset()
    readers: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()

    @classmethod
    def of(cls, user) -> "Viewer":
        """The viewer for a signed-in user (or None: no rights at all), once per request."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls()
        user = getattr(user, "_get_current_object", lambda: user)()  # current_user proxy
        # The access rule and the view both ask: remember the answer for this user.
        known = g.get("_ledger_viewer") if has_app_context() else None
        if known is not None and known[0] is user:
            return known[1]
        viewer = cls(network=any(user.has_role(r) for r in NETWORK_ROLES),
                     network_admin=user.has_role(Role.network_admin),
                     movers=frozenset(user.member_ids(*MOVER_ROLES)),
                     readers=frozenset(user.member_ids(*READER_ROLES, acting="read")),
                     admins=frozenset(user.member_ids(Role.member_admin)))
        if has_app_context():
            g._ledger_viewer = (user, viewer)
        return viewer

    def reads(self, ref: str | None) -> bool:
        """Tell whether the viewer may read accounts owned by ``ref``."""
        return self.network or member_of(ref) in self.readers

    def moves(self, ref: str | None) -> bool:
        """Tell whether the viewer may move money out of accounts owned by ``ref``."""
        return self.network or member_of(ref) in self.movers


#: Access rule: network treasurers and admins (trial balance, every transfer).
network_reader = network(*NETWORK_ROLES)


def is_ledger_reader(user, view_args) -> bool:
    """Access rule: network treasurers/admins and any member's admins, treasurers, staff."""
    viewer = Viewer.of(user)
    return viewer.network or bool(viewer.readers)


def is_money_mover(user, view_args) -> bool:
    """Access rule: network treasurers/admins and any member's admins and treasurers."""
    viewer = Viewer.of(user)
    return viewer.network or bool(viewer.movers)


def is_account_opener(user, view_args) -> bool:
    """Access rule: network treasurers/admins and any member's admins."""
    viewer = Viewer.of(user)
    return viewer.network or bool(viewer.admins)


def sees_treasury(user) -> bool:
    """Header link rule: network treasurers/admins and members' admins and treasurers (of a
    suspended member too: they still read their accounts)."""
    return Viewer.of(user).network or bool(user.member_ids(*MOVER_ROLES, acting="read"))


def sees_network_books(user) -> bool:
    """Header link rule: network treasurers and admins."""
    return Viewer.of(user).network


def forbidden(message: str | None = None, **details) -> Forbidden:
    return Forbidden(message or _("Vous n'avez pas le droit de faire cela."), details)


def not_found(**details) -> NotFound:
    return NotFound(_("Cette page ou cette ressource n'existe pas."), details)


def readable_account(viewer: Viewer, bind, account_id: int) -> dict:
    """The account, if the viewer may read it; a missing account and another member's
    answer the very same 404, so that ids tell nothing."""
    try:
        account = ledger.get_account(bind, account_id)
    except ledger.AccountNotFound:
        account = None
    if account is None or not viewer.reads(account["owner_ref"]):
        raise not_found(account_id=account_id)
    return account


#: The figures a refusal gives about an account (by the detail that names the account):
#: shown only to a caller who may read that account.
PRIVATE_FIGURES = {
    "limit_exceeded": {"account_id": ("max_balance",)},
    "insufficient_funds": {"account_id": ("available",)},
    "currency_mismatch": {"from_account": ("from_currency",), "to_account": ("to_currency",)},
}


def redacted(error: ledger.LedgerError, viewer: Viewer, bind) -> ledger.LedgerError:
    """The refusal as the viewer may read it: without the currency, limit or balance of an
    account they cannot read (paying another member must not tell its limit)."""
    private = PRIVATE_FIGURES.get(error.code)
    if not private or viewer.network:
        return error
    named = {key: error.details.get(key) for key in private}
    owners = account_owners(bind, [i for i in named.values() if i is not None])
    details = dict(error.details)
    for key, figures in private.items():
        if named[key] is not None and not viewer.reads(owners.get(named[key])):
            for figure in figures:
                details.pop(figure, None)
    if details == error.details:
        return error
    shown = type(error).__new__(type(error))
    ledger.LedgerError.__init__(shown, error.message, **details)
    shown.code = error.code
    return shown


def actor(user) -> str:
    """Who the ledger records as placing a transfer, and asks about when resolving a hold."""
    return f"user:{user.id}"


def debit_owners(viewer: Viewer) -> list[str] | None:
    """The owners whose accounts the viewer controls, for the ledger to enforce (None: any).

    The ledger refuses any other debit with ``forbidden`` (403) before it looks at amounts
    or limits, in the same statement that writes the transfer. For holds it lets post one
    only a caller its rule names (its placer, the debited or the credited side) and void
    one only its placer; network treasurers and admins may do either.
    """
    return None if viewer.network else [owner_ref(m) for m in sorted(viewer.movers)]


def readable_transfer(viewer: Viewer, bind, transfer_id: int,
                      debited_side: str | None = None) -> dict:
    """The transfer, if the viewer may read it (the same 404 as a missing one otherwise);
    with a side, the viewer must control that side's accounts (``to`` to reverse)."""
    try:
        transfer = ledger.get_transfer(bind, transfer_id)
    except ledger.TransferNotFound:
        raise not_found(transfer_id=transfer_id) from None
    if viewer.network:
        return transfer
    ids = {p[side] for p in transfer["postings"] for side in ("from", "to")}
    owners = account_owners(bind, ids)
    if not any(viewer.reads(owners.get(i)) for i in ids):
        raise not_found(transfer_id=transfer_id)
    if debited_side and not all(viewer.moves(owners.get(p[debited_side]))
                                for p in transfer["postings"]):
        raise forbidden(_("Vous ne pouvez débiter que les comptes de votre structure."),
                        transfer_id=transfer["id"])
    return transfer


def check_member_filter(viewer: Viewer, member_id: int | None) -> str | None:
    """The owner_ref to list accounts for; members only list their own (403 otherwise)."""
    if member_id is None or viewer.network or member_id in viewer.readers:
        return owner_ref(member_id)
    raise forbidden(member_id=member_id)


def readable_owners(viewer: Viewer) -> list[str] | None:
    """The owner references whose accounts the viewer may read (None: every account)."""
    return None if viewer.network else [owner_ref(m) for m in sorted(viewer.readers)]


def check_account_creation(viewer: Viewer, session, data: dict) -> None:
    """Refuse account openings the viewer may not make; the owner must be a member (422)."""
    member_id = data.get("owner_member_id")
    if member_id is not None and session.get(Member, member_id) is None:
        raise ValidationError({"owner_member_id": [_("Structure inconnue.")]})
    if viewer.network:
        return
    if member_id not in viewer.admins:
        raise forbidden(_("Vous ne pouvez ouvrir des comptes que pour votre structure."))
    if grants_credit(data.get("min_balance", "0")):
        raise forbidden(_("Seul le réseau accorde une ligne de crédit."))


def grants_credit(minimum: str | None) -> bool:
    """Whether an account's minimum balance lets it go below zero ("-0.00" does not)."""
    if minimum is None:
        return True
    try:
        return Decimal(minimum.strip()) < 0
    except InvalidOperation:  # not an amount (the ledger says so); a "-" is refused here
        return minimum.strip().startswith("-")


def check_transfer_listing(viewer: Viewer, bind, account_id: int | None) -> None:
    """Members list the transfers of one of their accounts; the network lists them all."""
    if viewer.network:
        return
    if account_id is None:
        raise forbidden(_("Précisez un compte de votre structure : ?account=."))
    owners = account_owners(bind, [account_id])
    if account_id not in owners or not viewer.reads(owners[account_id]):
        raise not_found(account_id=account_id)


def readable_accounts(viewer: Viewer, bind, currency: str | None = None, after: int = 0,
                      limit: int | None = None) -> list[dict]:
    """The accounts the viewer may read, by id (optionally of one currency), after `after`."""
    return ledger.list_accounts(bind, owner_refs=readable_owners(viewer), currency=currency,
                                after=after, limit=limit)


def member_names(session, refs) -> dict[str | None, str]:
    """Names of the members owning accounts, by owner_ref (system accounts: the network)."""
    ids = {member_of(ref) for ref in refs} - {None}
    query = select(Member.id, Member.name).where(Member.id.in_(ids))
    rows = session.execute(query).all() if ids else []
    return {None: _("Réseau"), **{owner_ref(i): name for i, name in rows}}
