"""``Idempotency-Key`` for HTTP writes that move money (CONVENTIONS.md, "HTTP API").

A key is scoped to the caller (``user:<id>``) and fingerprinted with the method, the path
and the JSON body. The view hands the key to the ledger (``current()``), which stores the
outcome in the same transaction as the transfer, or a ledger refusal after its rollback.
A refusal that happens before the ledger is reached (a malformed body, a 403, a 404) is
stored here, in its own small transaction. Replays carry ``Idempotency-Replayed: true``;
the same key with another request is ``409 idempotency_conflict``; 5xx are never stored.
"""

import hashlib
import json
from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

import ledger
from ledger import idempotency as ledger_idempotency
from market.platform import connection
from market.platform.extensions import db
from market.web import jsonbody
from market.web.errors import STATUS_CODES, AppError, BadRequest, ValidationError, render_error
from market.web.refusals import app_error

HEADER = "Idempotency-Key"
REPLAYED = "Idempotency-Replayed"
MAX_KEY = 255
#: How the OpenAPI document describes the header.
HEADER_DOC = {"in": "header", "name": HEADER, "required": False,
              "description": "Replays the first response of the same request; another "
                             "request with the same key is 409 idempotency_conflict.",
              "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY}}


def fingerprint() -> str:
    """SHA-256 of the method, the path and the body (JSON compared by value)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(jsonbody.body(request), sort_keys=True,
                          separators=(",", ":")).encode()
    except ValueError:  # not JSON: the bytes themselves (the view refuses them anyway)
        body = raw
    head = f"{request.method}\n{request.path}\n".encode()
    return hashlib.sha256(head + body).hexdigest()


def current() -> ledger.Idempotency | None:
    """The request's key, handed to the ledger: from then on the ledger stores the outcome."""
    idem = g.get("idempotency")
    if idem is not None:
        g.idempotency_handed = True
    return idem


def as_app_error(exc: Exception, map_refusal=app_error) -> AppError | None:
    """The HTTP error an exception answers with, or None for an unexpected one."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, ledger.LedgerError):
        return map_refusal(exc)
    if not isinstance(exc, HTTPException) or (exc.code or 500) >= 500:
        return None
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if exc.code == 422 and messages:
        return ValidationError({k: v for location in messages.values() for k, v in
                                location.items()})
    if exc.code == 400:
        return BadRequest(_("Le corps de la requête n'est pas du JSON valide."))
    error = AppError(exc.description or exc.name, code=STATUS_CODES.get(exc.code, "error"))
    error.status = exc.code
    return error


def remember_refusal(idem: ledger.Idempotency, error: AppError,
                     map_refusal=app_error) -> AppError:
    """Store a refusal under its key, or answer with what the key already holds."""
    refusal = ledger.LedgerError(error.message, **error.details)
    refusal.code = error.code

    def refuse(conn):
        raise refusal

    try:
        ledger_idempotency.run(connection.for_ledger(), "http", None, idem, refuse)
    except ledger.LedgerError as stored:
        return map_refusal(stored) if stored is not refusal else error
    idem.replayed = False  # the key holds this request's success: never replayed to a refusal
    return error


def idempotent(view, map_refusal=app_error):
    """Honour ``Idempotency-Key`` on a view that moves money; ``map_refusal`` turns a ledger
    refusal into the HTTP error the caller reads (the domain's, e.g. with figures hidden)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not current_user.is_authenticated:
            return view(*args, **kwargs)
        if not 0 < len(key) <= MAX_KEY:
            raise ValidationError({HEADER: [_("De 1 à 255 caractères.")]})
        idem = ledger.Idempotency(f"user:{current_user.id}", key, fingerprint())
        g.idempotency, g.idempotency_handed = idem, False
        try:
            response = view(*args, **kwargs)
        except Exception as exc:
            error = as_app_error(exc, map_refusal)
            if error is None or error.status >= 500:
                raise
            if not g.idempotency_handed:
                # A refusal writes nothing: release the view's write lock (SQLite's BEGIN
                # IMMEDIATE) before the key is stored on the request's own connection.
                db.session.rollback()
                error = remember_refusal(idem, error, map_refusal)
            return _answer(error, idem)
        if idem.replayed:
            response.headers[REPLAYED] = "true"
        return response
    return wrapper


def _answer(error: AppError, idem: ledger.Idempotency):
    """Render an error, marked as a replay when it is one."""
    headers = {REPLAYED: "true"} if idem.replayed else {}
    return render_error(error.status, error.code, error.message, error.details, headers)
