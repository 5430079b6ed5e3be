"""The ledger's JSON API (CONVENTIONS.md, "Ledger API"): parse, authorise, call, serialise.

Reads run on the request's ORM session connection. Writes go through the ledger with the
request's own connection (market.platform.connection), handed over outside any transaction, so that
each is its own transaction (retried on conflicts; on PostgreSQL new transfers take the
ledger's one-statement path) with its idempotency key stored in it. Who may do what is
decided in market.treasury.access.
"""


from flask import make_response
from flask_login import current_user

import ledger
from ledger.lookups import MAX_ID
from market.auth.access import network
from market.auth.roles import Role
from market.platform import connection
from market.platform.extensions import db
from market.treasury import access as policy
from market.treasury import schemas
from market.treasury.owners import owner_ref
from market.treasury.statements import statement_cursor, statement_key
from market.web import refusals
from market.web.access import protect
from market.web.errors import AppError, render_error
from market.web.idempotency import HEADER_DOC, current, idempotent
from market.web.jsonapi import Blueprint
from market.web.pagination import decode_cursor, encode_cursor

blp = Blueprint("ledger_api", __name__, url_prefix="/api/v1",
                description="Ledger: currencies, accounts, transfers, statements")

ID = f"int(min=1, max={MAX_ID})"
#: Schema instances are built once: building one deep-copies its fields.
BATCH_RESULT = schemas.BatchResultSchema()


@blp.before_request
def fresh_snapshot():
    """Read each request on a fresh snapshot, even when an app context spans several (tests)."""
    if db.session.registry.has():  # else no session yet: do not make one just to roll back
        db.session.rollback()


def refusal(error: ledger.LedgerError) -> AppError:
    """A ledger refusal as the caller reads it: no figure of an account they cannot read."""
    return refusals.app_error(policy.redacted(error, viewer(), reader()))


@blp.errorhandler(ledger.LedgerError)
def render_refusal(error: ledger.LedgerError):
    """Answer a ledger refusal with the CONVENTIONS error body."""
    mapped = refusal(error)
    return render_error(mapped.status, mapped.code, mapped.message, mapped.details)


def viewer() -> policy.Viewer:
    return policy.Viewer.of(current_user)


def reader():
    """The request's connection, for reads."""
    return db.session.connection()


def moves_money(view):
    """Document and honour Idempotency-Key on a view that moves money."""
    return blp.doc(parameters=[HEADER_DOC])(idempotent(view, refusal))


def cursor_id(cursor: str | None) -> int | None:
    return None if not cursor else decode_cursor(cursor, False)[0]


def page_of(items: list, next_id: int | None) -> dict:
    return {"items": items, "next_cursor": None if next_id is None else encode_cursor([next_id])}


@blp.get("/currencies")
@blp.response(200, schemas.CurrencyListSchema())
def list_currencies():
    """List currencies, by code."""
    return page_of(ledger.list_currencies(reader()), None)


@blp.post("/currencies")
@blp.arguments(schemas.CurrencyInSchema())
@blp.response(201, schemas.CurrencySchema())
def create_currency(data: dict):
    """Create a currency (network admins)."""
    return ledger.create_currency(connection.for_ledger(), **data)


@blp.post("/accounts")
@blp.arguments(schemas.AccountInSchema())
@blp.response(201, schemas.AccountSchema())
def create_account(data: dict):
    """Open an account; an omitted min_balance is "0.00", an explicit null unbounded."""
    policy.check_account_creation(viewer(), db.session, data)
    limits = {k: data[k] for k in ("min_balance", "max_balance") if k in data}
    return policy.with_owner(ledger.create_account(
        connection.for_ledger(), data["currency"], data["name"],
        owner_ref=owner_ref(data["owner_member_id"]), **limits))


@blp.get("/accounts")
@blp.arguments(schemas.AccountQueryArgsSchema(), location="query")
@blp.response(200, schemas.AccountPageSchema())
def list_accounts(args: dict):
    """List the accounts the caller may read, by id; ?member= and ?currency= filter."""
    who = viewer()
    owner = policy.check_member_filter(who, args.get("member"))
    items = ledger.list_accounts(
        reader(), owner_ref=owner, owner_refs=policy.readable_owners(who),
        currency=args.get("currency"), after=cursor_id(args["cursor"]) or 0,
        limit=args["limit"] + 1)
    more = len(items) > args["limit"]
    items = items[:args["limit"]]
    return page_of([policy.with_owner(a) for a in items], items[-1]["id"] if more else None)


@blp.get(f"/accounts/<{ID}:account_id>")
@blp.response(200, schemas.AccountSchema())
def get_account(account_id: int):
    """Show an account: balance, pending sums, available and limits."""
    return policy.with_owner(policy.readable_account(viewer(), reader(), account_id))


@blp.get(f"/accounts/<{ID}:account_id>/statement")
@blp.arguments(schemas.PeriodArgsSchema(), location="query")
@blp.response(200, schemas.StatementSchema())
def account_statement(args: dict, account_id: int):
    """Posted movements of an account over [from, to), with the running balance."""
    policy.readable_account(viewer(), reader(), account_id)
    found = ledger.statement(reader(), account_id, start=args.get("start"),
                             end=args.get("end"), limit=args["limit"],
                             after=statement_key(args["cursor"]))
    return {**found, "account": policy.with_owner(found["account"]),
            "next_cursor": statement_cursor(found["next"])}


@blp.post("/transfers")
@moves_money
@blp.arguments(schemas.TransferInSchema())
@blp.response(201, schemas.TransferSchema())
def create_transfer(data: dict):
    """Move money: postings from -> to, all or none; pending: true makes a hold."""
    return ledger.transfer(connection.for_ledger(), data.pop("postings"),
                           idempotency=current(), debit_owners=policy.debit_owners(viewer()),
                           placed_by=policy.actor(current_user), **data)


@blp.post("/transfers/batch")
@moves_money
@blp.arguments(schemas.BatchInSchema())
@blp.response(201, schemas.BatchSchema(), description="Atomic: every transfer, written.")
@blp.alt_response(200, schema=BATCH_RESULT,
                  description="Not atomic: one result per item, in order.")
def create_batch(data: dict):
    """Apply 1 to 1,000 transfers in order: all or none (atomic), or each on its own."""
    items = ledger.batch(connection.for_ledger(), data["transfers"], atomic=data["atomic"],
                         idempotency=current(), debit_owners=policy.debit_owners(viewer()),
                         placed_by=policy.actor(current_user))
    if data["atomic"]:
        return {"items": items}
    return make_response(BATCH_RESULT.dump({"items": items}), 200)


@blp.get("/transfers")
@blp.arguments(schemas.TransferQueryArgsSchema(), location="query")
@blp.response(200, schemas.TransferPageSchema())
def list_transfers(args: dict):
    """List transfers by id, created in [from, to); members name one of their accounts."""
    policy.check_transfer_listing(viewer(), reader(), args.get("account"))
    found = ledger.list_transfers(reader(), account=args.get("account"),
                                  start=args.get("start"), end=args.get("end"),
                                  limit=args["limit"], cursor=cursor_id(args["cursor"]))
    return page_of(found["items"], found["next_cursor"])


@blp.get(f"/transfers/<{ID}:transfer_id>")
@blp.response(200, schemas.TransferSchema())
def get_transfer(transfer_id: int):
    """Show a transfer: postings, status, hash and reversal links."""
    return policy.readable_transfer(viewer(), reader(), transfer_id)


def _acting_on(transfer_id: int, debited_side: str | None = None) -> None:
    """Check that the caller may read a transfer and, with a side, control its accounts."""
    policy.readable_transfer(viewer(), reader(), transfer_id, debited_side)


def _resolver() -> dict:
    """Who asks to resolve a hold, for the ledger to check against the hold's rule."""
    return {"by": policy.actor(current_user), "controls": policy.debit_owners(viewer())}


@blp.post(f"/transfers/<{ID}:transfer_id>/post")
@moves_money
@blp.response(200, schemas.TransferSchema())
def post_transfer(transfer_id: int):
    """Post a pending transfer (once; never after it expired), if its rule names the caller."""
    _acting_on(transfer_id)
    return ledger.post_pending(connection.for_ledger(), transfer_id, idempotency=current(),
                               **_resolver())


@blp.post(f"/transfers/<{ID}:transfer_id>/void")
@moves_money
@blp.response(200, schemas.TransferSchema())
def void_transfer(transfer_id: int):
    """Void a pending transfer, releasing what it reserved (once): its placer, or the network."""
    _acting_on(transfer_id)
    return ledger.void_pending(connection.for_ledger(), transfer_id, idempotency=current(),
                               **_resolver())


@blp.post(f"/transfers/<{ID}:transfer_id>/reverse")
@moves_money
@blp.response(201, schemas.TransferSchema())
def reverse_transfer(transfer_id: int):
    """Undo a posted transfer with a linked opposite one (once)."""
    _acting_on(transfer_id, "to")
    return ledger.reverse(connection.for_ledger(), transfer_id, idempotency=current())


@blp.get("/ledger/trial-balance")
@blp.arguments(schemas.TrialArgsSchema(), location="query")
@blp.response(200, schemas.TrialBalanceSchema())
def trial_balance(args: dict):
    """Posted debits, credits and balance per account, and per currency totals (zero)."""
    return ledger.trial_balance(reader(), currency=args.get("currency"))


protect(blp, {
    "list_currencies": policy.is_ledger_reader,
    "create_currency": network(Role.network_admin),
    "create_account": policy.is_account_opener,
    "list_accounts": policy.is_ledger_reader,
    "get_account": policy.is_ledger_reader,
    "account_statement": policy.is_ledger_reader,
    "create_transfer": policy.is_money_mover,
    "create_batch": policy.is_money_mover,
    "list_transfers": policy.is_ledger_reader,
    "get_transfer": policy.is_ledger_reader,
    "post_transfer": policy.is_money_mover,
    "void_transfer": policy.is_money_mover,
    "reverse_transfer": policy.is_money_mover,
    "trial_balance": policy.network_reader,
})
