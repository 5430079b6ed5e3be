"""The rules of double entry: resolve postings, check states and limits, compute deltas."""

from collections.abc import Collection, Mapping, Sequence

from ledger.core.errors import (
    AccountClosed,
    AccountFrozen,
    CurrencyMismatch,
    Forbidden,
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
    UnknownAccount,
    ValidationError,
)
from ledger.core.model import (
    MAX_ACCOUNT_SUM,
    MAX_POSTINGS,
    MAX_TRANSFER,
    AccountState,
    Delta,
    Posting,
)
from ledger.core.money import format_amount, parse_amount


def _account_id(value, index: int, side: str) -> int:
    """Check that a posting names an account by integer id."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("Accounts are named by integer id.",
                              fields={f"postings.{index}.{side}": ["Not an account id."]})
    return value


def posting_account_ids(raw: Sequence) -> list[int]:
    """Validate the shape of raw postings and return the ids of the accounts they name."""
    if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= MAX_POSTINGS:
        raise ValidationError(f"A transfer has 1 to {MAX_POSTINGS} postings.",
                              fields={"postings": ["Between 1 and 100 postings."]})
    ids = []
    for index, item in enumerate(raw):
        if isinstance(item, Posting):
            source, target = item.source, item.target
        elif isinstance(item, Mapping):
            source = _account_id(item.get("from"), index, "from")
            target = _account_id(item.get("to"), index, "to")
        else:
            raise ValidationError("A posting is an object.", fields={f"postings.{index}": []})
        if source == target:
            raise ValidationError("A posting moves money between two different accounts.",
                                  fields={f"postings.{index}": ["from and to are the same."]})
        ids += [source, target]
    return ids


def resolve_postings(raw: Sequence, accounts: Mapping[int, AccountState],
                     scales: Mapping[str, int]) -> tuple[Posting, ...]:
    """Turn raw postings into Postings in minor units, checking accounts and currencies."""
    postings = []
    for index, item in enumerate(raw):
        if isinstance(item, Posting):
            item = {"from": item.source, "to": item.target, "amount": item.amount,
                    "currency": item.currency}
        source, target = item["from"], item["to"]
        for side, account_id in (("from", source), ("to", target)):
            if account_id not in accounts:
                raise UnknownAccount(f"Account {account_id} does not exist.",
                                     fields={f"postings.{index}.{side}": ["Unknown account."]},
                                     account_id=account_id, index=index)
        currency = accounts[source].currency
        wanted = item.get("currency")
        if accounts[target].currency != currency or wanted not in (None, currency):
            raise CurrencyMismatch(
                "Both accounts of a posting, and the posting, share one currency.",
                index=index, from_account=source, from_currency=currency, to_account=target,
                to_currency=accounts[target].currency, currency=wanted)
        amount = parse_amount(item.get("amount"), scales[currency])
        postings.append(Posting(source, target, amount, currency))
    check_gross(postings, scales)
    return tuple(postings)


def check_gross(postings: Sequence[Posting], scales: Mapping[str, int]) -> None:
    """Refuse a transfer whose postings in one currency add up to more than MAX_TRANSFER.

    Limits judge the net effect, so postings that cancel out pass them whatever their size;
    their gross sum is bounded here, and each account's stored sums by check_sums.
    """
    totals: dict[str, int] = {}
    for p in postings:
        totals[p.currency] = totals.get(p.currency, 0) + p.amount
    for currency, total in sorted(totals.items()):
        if total > MAX_TRANSFER:
            raise InvalidAmount("The postings of one transfer add up to more than a transfer "
                                "may carry.", currency=currency,
                                limit=format_amount(MAX_TRANSFER, scales[currency]))


def check_sums(deltas: Mapping[int, Delta], accounts: Mapping[int, AccountState]) -> None:
    """Refuse a write that would take one of an account's four stored sums past
    MAX_ACCOUNT_SUM (a signed 64-bit column, with room for their differences)."""
    for account_id, d in sorted(deltas.items()):
        a = accounts[account_id]
        if max(a.posted_debits + d.posted_debits, a.posted_credits + d.posted_credits,
               a.pending_debits + d.pending_debits,
               a.pending_credits + d.pending_credits) > MAX_ACCOUNT_SUM:
            raise InvalidAmount(f"Account {account_id} has moved as much as an account may "
                                "carry.", account_id=account_id)


def check_debit_owners(transfers: Sequence[Sequence[Mapping]], owners: Mapping[int, str | None],
                       allowed: Collection[str]) -> None:
    """Refuse a posting that debits an account owned by none of `allowed` (a caller's own).

    `transfers` are raw postings per transfer; accounts missing from `owners` are unknown,
    which resolving the postings reports afterwards.
    """
    for index, postings in enumerate(transfers):
        for posting in postings:
            source = posting["from"]
            if source in owners and owners[source] not in allowed:
                raise Forbidden(f"Account {source} is not one the caller may debit.",
                                account_id=source, index=index)


def check_resolver(action: str, hold: Mapping, postings: Sequence[Posting],
                   owners: Mapping[int, str | None], by: str | None,
                   controls: Collection[str] | None) -> None:
    """Refuse to post or void a hold for a caller the hold's rule does not name.

    `hold` has the transfer's `placed_by` and `post_by`; `owners` maps its accounts to
    their owners; `by` is the caller and `controls` the owners whose accounts the caller
    controls (None: an unrestricted caller, who may do either).
    """
    if controls is None:
        return
    rule = (hold["post_by"] or "placer") if action == "post" else "placer"
    side = [p.target for p in postings] if rule == "creditor" else [p.source for p in postings]
    controlled = all(owners.get(account_id) in controls for account_id in side)
    if rule == "placer":
        # Posting moves the debtor's money: a placer who no longer controls it cannot.
        allowed = by is not None and by == hold["placed_by"] and (action == "void" or controlled)
    else:
        allowed = controlled
    if not allowed:
        raise Forbidden(f"Only {'the one who placed it' if rule == 'placer' else 'the ' + rule} "
                        f"may {action} this hold.", rule=rule)


def check_movable(account_ids, accounts: Mapping[int, AccountState]) -> None:
    """Refuse to move money through a frozen or closed account."""
    for account_id in sorted(account_ids):
        status = accounts[account_id].status
        if status == "closed":
            raise AccountClosed(f"Account {account_id} is closed.", account_id=account_id)
        if status == "frozen":
            raise AccountFrozen(f"Account {account_id} is frozen.", account_id=account_id)


def net_effects(postings: Sequence[Posting]) -> dict[int, int]:
    """Return credits minus debits of the whole transfer, per account."""
    net: dict[int, int] = {}
    for p in postings:
        net[p.source] = net.get(p.source, 0) - p.amount
        net[p.target] = net.get(p.target, 0) + p.amount
    return net


def check_limits(postings: Sequence[Posting], accounts: Mapping[int, AccountState],
                 scales: Mapping[str, int]) -> None:
    """Refuse a transfer whose net effect takes an account past min_balance or max_balance."""
    for account_id, net in sorted(net_effects(postings).items()):
        account = accounts[account_id]
        scale = scales[account.currency]
        if net < 0 and account.min_balance is not None:
            after = account.balance - account.pending_debits + net
            if after < account.min_balance:
                raise InsufficientFunds(
                    f"Account {account_id} lacks funds for this transfer.",
                    account_id=account_id, available=format_amount(account.available, scale),
                    needed=format_amount(-net, scale))
        if net > 0 and account.max_balance is not None:
            after = account.balance + account.pending_credits + net
            if after > account.max_balance:
                raise LimitExceeded(
                    f"Account {account_id} would exceed its maximum balance.",
                    account_id=account_id,
                    max_balance=format_amount(account.max_balance, scale),
                    incoming=format_amount(net, scale))


def create_deltas(postings: Sequence[Posting], pending: bool) -> dict[int, Delta]:
    """Deltas of a new transfer: gross posted amounts, or the net effect reserved by a hold."""
    if pending:
        return {a: _pending_delta(n, 1) for a, n in net_effects(postings).items() if n}
    deltas: dict[int, Delta] = {}
    for p in postings:
        deltas.setdefault(p.source, Delta()).posted_debits += p.amount
        deltas.setdefault(p.target, Delta()).posted_credits += p.amount
    return deltas


def release_deltas(postings: Sequence[Posting]) -> dict[int, Delta]:
    """Deltas of voiding or expiring a hold: its reservation is given back."""
    return {a: _pending_delta(n, -1) for a, n in net_effects(postings).items() if n}


def post_deltas(postings: Sequence[Posting]) -> dict[int, Delta]:
    """Deltas of posting a hold: the reservation becomes posted amounts."""
    deltas = create_deltas(postings, pending=False)
    for account_id, delta in release_deltas(postings).items():
        deltas[account_id].add(delta)
    return deltas


def _pending_delta(net: int, sign: int) -> Delta:
    """A pending delta from a net effect: negative reserves debits, positive credits."""
    if net < 0:
        return Delta(pending_debits=sign * -net)
    return Delta(pending_credits=sign * net)


def reversed_postings(postings: Sequence[Posting]) -> tuple[Posting, ...]:
    """The opposite postings, which undo a posted transfer."""
    return tuple(Posting(p.target, p.source, p.amount, p.currency) for p in postings)


def apply_deltas(deltas: Mapping[int, Delta], accounts: Mapping[int, AccountState]) -> None:
    """Apply deltas to in-memory account states (a batch checks each item on the result)."""
    for account_id, delta in deltas.items():
        delta.apply(accounts[account_id])
