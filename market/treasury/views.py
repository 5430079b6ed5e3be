"""Treasurer pages: accounts with balances, statements with a chart, transfers, trial balance.

Who sees what is decided in market.treasury.access, as for the JSON API: members' users see
their member's accounts, network treasurers and admins see everything.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import Blueprint, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import ledger
from ledger.lookups import MAX_ID, account_labels, transfer_events
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury.chart import balance_chart
from market.treasury.statements import statement_cursor, statement_key
from market.web import navigation, refusals
from market.web.access import protect
from market.web.errors import ValidationError

bp = Blueprint("ledger", __name__, url_prefix="/ledger")
bp.register_error_handler(ledger.LedgerError, refusals.render_refusal)

ID = f"int(min=1, max={MAX_ID})"
#: A statement shows the last this many days unless asked for another period.
DEFAULT_DAYS = 90
#: Statement lines per page.
STATEMENT_PAGE = 200
#: Accounts per page of the accounts list.
ACCOUNTS_PAGE = 100


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Comptes"), "ledger.accounts", policy.sees_treasury)
navigation.add_link(N_("Balance générale"), "ledger.trial_balance", policy.sees_network_books)


@bp.before_request
def fresh_snapshot():
    """Read each request on a fresh snapshot, even when an app context spans several (tests)."""
    db.session.rollback()


def viewer() -> policy.Viewer:
    return policy.Viewer.of(current_user)


def reader():
    """The request's connection, for reads."""
    return db.session.connection()


def money(amount: str | None, currency: str = "") -> str:
    """An amount as people read it here ("1 234,50 EUR"); exact, never through a float."""
    if amount is None:
        return _("illimité")
    value = Decimal(amount)
    decimals = max(-value.as_tuple().exponent, 0)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f"{format_decimal(value, format=pattern)} {currency}".strip()


#: Who may post a hold, as people read it.
POST_RULES = {
    "placer": _l("celui ou celle qui l'a posée (ou le réseau)"),
    "debtor": _l("le payeur, à la livraison (ou le réseau)"),
    "creditor": _l("le bénéficiaire (ou le réseau)"),
}


@bp.context_processor
def ledger_helpers() -> dict:
    return {"money": money, "post_rules": POST_RULES}


def day(name: str) -> tuple[date | None, str | None]:
    """A date from the query string, or an error message for a malformed one."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, _("Date invalide : %(value)s (attendu AAAA-MM-JJ).", value=raw[:20])


def period() -> tuple[dict, list[str]]:
    """The statement's period: from the first day's start to the end of the last (UTC); the
    last DEFAULT_DAYS days when neither is given, so that a page never loads a whole
    history unasked."""
    (first, bad_first), (last, bad_last) = day("from"), day("to")
    if first is None and last is None and not (bad_first or bad_last):
        first = datetime.now(UTC).date() - timedelta(days=DEFAULT_DAYS)
    start = datetime.combine(first, time(), UTC) if first else None
    end = datetime.combine(last, time(), UTC) + timedelta(days=1) if last else None
    return ({"start": start, "end": end, "from": first, "to": last},
            [e for e in (bad_first, bad_last) if e])


@bp.get("/accounts")
def accounts():
    """Accounts the user may read, with balances; the network filters by currency."""
    who = viewer()
    currency = (request.args.get("currency") or "").strip()[:16] or None
    after = request.args.get("after", 0, type=int)
    after = after if 0 <= after <= MAX_ID else 0
    found = policy.readable_accounts(who, reader(), currency, after, ACCOUNTS_PAGE + 1)
    following = found[ACCOUNTS_PAGE - 1]["id"] if len(found) > ACCOUNTS_PAGE else None
    found = found[:ACCOUNTS_PAGE]
    return render_template(
        "treasury/accounts.html", accounts=found, currency=currency, network=who.network,
        following=following,
        currencies=ledger.list_currencies(reader()) if who.network else [],
        owners=policy.member_names(db.session, {a["owner_ref"] for a in found}))


@bp.get(f"/accounts/<{ID}:account_id>")
def account(account_id: int):
    """One account: balances, statement over a period with running balance, and a chart."""
    found = policy.readable_account(viewer(), reader(), account_id)
    span, errors = period()
    try:
        after = statement_key(request.args.get("after") or None)
    except ValidationError:
        after, errors = None, [*errors, _("Page de relevé invalide : retour au début.")]
    statement = ledger.statement(reader(), account_id, start=span["start"], end=span["end"],
                                 limit=STATEMENT_PAGE, after=after)
    periods = {"days": DEFAULT_DAYS, "opened": found["created_at"][:10],
               "year": f"{datetime.now(UTC).year}-01-01"}
    following = statement_cursor(statement["next"])
    return render_template(
        "treasury/account.html", account=found, statement=statement, period=span,
        errors=errors, chart=balance_chart(statement), periods=periods, paged=after is not None,
        following=following and url_for(".account", account_id=account_id,
                                         **{**request.args.to_dict(), "after": following}),
        owner=policy.member_names(db.session, [found["owner_ref"]])[found["owner_ref"]])


@bp.get(f"/transfers/<{ID}:transfer_id>")
def transfer(transfer_id: int):
    """One transfer: postings, status, hash, its events in the chain, reversal links."""
    who = viewer()
    found = policy.readable_transfer(who, reader(), transfer_id)
    labels = account_labels(reader(), {p[s] for p in found["postings"] for s in ("from", "to")})
    readable = {i for i, label in labels.items() if who.reads(label["owner_ref"])}
    return render_template("treasury/transfer.html", transfer=found, labels=labels,
                           readable=readable, events=transfer_events(reader(), transfer_id))


@bp.get("/trial-balance")
def trial_balance():
    """Posted debits, credits and balances per account, with per-currency totals."""
    currency = (request.args.get("currency") or "").strip()[:16] or None
    found = ledger.trial_balance(reader(), currency=currency)
    return render_template("treasury/trial_balance.html", balance=found, currency=currency,
                           currencies=ledger.list_currencies(reader()))


protect(bp, {
    "accounts": policy.is_ledger_reader,
    "account": policy.is_ledger_reader,
    "transfer": policy.is_ledger_reader,
    "trial_balance": policy.network_reader,
})
