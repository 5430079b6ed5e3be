"""Social currency programmes: a network admin defines them and their recipients; each
period's issuance is booked once, in ledger batches (references
``programme:<id>:<period>:<account id>``, see market.currencies.demurrage.book_once).

A programme pays for the period (an ISO week, or a calendar month) containing the date it
is run for, from that period on once its start date is reached; the issuance of a period
may be booked as soon as the period has begun.
"""

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

import ledger
from market.currencies.demurrage import Booked, book_once, period_of
from market.currencies.governance import currency_of, policy_of
from market.currencies.programme_models import Programme, ProgrammePeriod, ProgrammeRecipient
from market.platform.time import now_utc
from market.web.errors import NotFound, ValidationError

#: Most recipients one request may add.
MAX_ADDED = 10_000


def programme_reference(programme_id: int, label: str, account_id: int) -> str:
    """The once-only reference of a recipient's issuance for a period."""
    return f"programme:{programme_id}:{label}:{account_id}"


def _account(session, account_id, code: str, field: str) -> dict:
    """A ledger account in ``code`` that is open, or a validation error on ``field``."""
    try:
        account = ledger.get_account(session.connection(), account_id)
    except ledger.LedgerError:
        raise ValidationError({field: [_("Ce compte n'existe pas.")]}) from None
    if account["currency"] != code:
        raise ValidationError({field: [_("Ce compte n'est pas dans la monnaie %(code)s.",
                                         code=code)]})
    if account["status"] != "open":
        raise ValidationError({field: [_("Ce compte n'est pas ouvert.")]})
    return account


def create_programme(session, data: dict, *, by=None) -> Programme:
    """Define a programme: name, currency, amount per recipient, period, start, issuer."""
    try:
        policy = policy_of(session, data["currency"])
    except NotFound:
        raise ValidationError({"currency": [_("Cette monnaie n'existe pas.")]}) from None
    scale = currency_of(session, policy.code)["scale"]
    errors = {}
    try:
        amount = ledger.parse_amount(data["amount"], scale)
    except ledger.LedgerError:
        errors["amount"] = [_("Un montant positif avec %(scale)s décimale(s).", scale=scale)]
    if data["period"] not in set(ProgrammePeriod):
        errors["period"] = [_("monthly ou weekly.")]
    if errors:
        raise ValidationError(errors)
    issuer = data.get("issuing_account") or policy.issuance_account_id
    _account(session, issuer, policy.code, "issuing_account")
    programme = Programme(name=data["name"].strip(), currency=policy.code,
                          issuing_account_id=issuer, amount=amount, period=data["period"],
                          start_date=data["start_date"], active=data.get("active", True),
                          created_by=getattr(by, "id", by))
    session.add(programme)
    session.flush()
    return programme


def get_programme(session, programme_id: int) -> Programme:
    """A programme by id (NotFound otherwise)."""
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("Ce programme n'existe pas."))
    return programme


def update_programme(session, programme_id: int, data: dict) -> Programme:
    """Rename, pause or resume a programme."""
    programme = get_programme(session, programme_id)
    if "name" in data:
        programme.name = data["name"].strip()
    if "active" in data:
        programme.active = data["active"]
    session.flush()
    return programme


def recipient_ids(session, programme_id: int) -> list[int]:
    """The accounts a programme pays, by id."""
    return list(session.scalars(select(ProgrammeRecipient.account_id)
                                .where(ProgrammeRecipient.programme_id == programme_id)
                                .order_by(ProgrammeRecipient.account_id)))


def add_recipients(session, programme_id: int, account_ids: list[int]) -> int:
    """Add accounts of the programme's currency as recipients; returns how many were new."""
    programme = get_programme(session, programme_id)
    wanted = sorted(set(account_ids))
    if not 1 <= len(wanted) <= MAX_ADDED:
        raise ValidationError({"accounts": [_("De 1 à %(max)s comptes.", max=MAX_ADDED)]})
    found = {a["id"]: a for a in _accounts(session, wanted)}
    wrong = [a for a in wanted if a not in found or found[a]["currency"] != programme.currency
             or found[a]["status"] != "open"]
    if wrong:
        raise ValidationError({"accounts": [_(
            "Comptes inconnus, fermés ou hors de la monnaie %(code)s : %(ids)s.",
            code=programme.currency, ids=", ".join(map(str, wrong[:20])))]})
    if programme.issuing_account_id in found:
        raise ValidationError({"accounts": [_("Le compte émetteur ne peut pas recevoir.")]})
    have = set(recipient_ids(session, programme_id))
    new = [a for a in wanted if a not in have]
    if new:
        at = now_utc()
        session.execute(insert(ProgrammeRecipient), [
            {"programme_id": programme_id, "account_id": a, "added_at": at} for a in new])
    return len(new)


def _accounts(session, ids: list[int]) -> list[dict]:
    """The ledger accounts among ``ids`` (read by pages of the ledger's listing)."""
    conn, out = session.connection(), []
    low, high = ids[0] - 1, ids[-1]
    wanted = set(ids)
    while True:
        page = ledger.list_accounts(conn, after=low, limit=500)
        out.extend(a for a in page if a["id"] in wanted)
        if len(page) < 500 or page[-1]["id"] >= high:
            return out
        low = page[-1]["id"]


def remove_recipient(session, programme_id: int, account_id: int) -> None:
    """Stop paying an account (what it was paid stays paid)."""
    get_programme(session, programme_id)
    row = session.get(ProgrammeRecipient, (programme_id, account_id))
    if row is None:
        raise NotFound(_("Ce compte ne reçoit pas de ce programme."))
    session.delete(row)
    session.flush()


def issuance_items(programme: Programme, recipients: list[int], day: date) -> list[dict]:
    """The transfers of a programme's issuance for the period containing ``day``."""
    if not programme.active or day < programme.start_date:
        return []
    period = period_of(day, programme.period)
    return [{"postings": [{"from": programme.issuing_account_id, "to": account,
                           "amount": programme.amount}],
             "reference": programme_reference(programme.id, period.label, account),
             "description": f"{programme.name} {period.label}"[:500]}
            for account in recipients]


def issue(engine: Engine, programme: Programme, recipients: list[int], day: date, *,
          now: datetime | None = None,
          progress_for: Callable[[int], Callable[[int], None] | None] | None = None) -> Booked:
    """Book a programme's issuance for the period containing ``day``, once per recipient."""
    items = issuance_items(programme, recipients, day)
    progress = progress_for(len(items)) if progress_for is not None else None
    return book_once(engine, items, progress=progress, now=now)


def active_programmes(session) -> list[Programme]:
    """Programmes that pay, by id."""
    return list(session.scalars(select(Programme).where(Programme.active.is_(True))
                                .order_by(Programme.id)))
