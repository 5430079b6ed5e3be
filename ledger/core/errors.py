"""Named ledger exceptions, each with a stable machine `code` and JSON-ready `details`."""


class LedgerError(Exception):
    """A refusal the caller can understand; `code` follows CONVENTIONS.md."""

    code = "ledger_error"
    #: The HTTP status an API layer should answer with (a hint; the ledger knows no HTTP).
    http_status = 422

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict:
        """Return the error as the `error` member of a JSON error body."""
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidAmount(LedgerError):
    code = "invalid_amount"


class CurrencyMismatch(LedgerError):
    code = "currency_mismatch"


class InsufficientFunds(LedgerError):
    code = "insufficient_funds"


class LimitExceeded(LedgerError):
    code = "limit_exceeded"


class ValidationError(LedgerError):
    """Malformed input, or an unknown account or currency named in a request body."""

    code = "validation_error"

    def __init__(self, message: str, fields: dict | None = None, **details):
        super().__init__(message, fields=fields or {}, **details)


class UnknownAccount(ValidationError):
    """An account named in a request body does not exist."""


class UnknownCurrency(ValidationError):
    """A currency named in a request body does not exist."""


class InvalidState(LedgerError):
    code = "invalid_state"
    http_status = 409


class AccountClosed(InvalidState):
    """The account is closed: nothing moves through it any more."""


class AccountFrozen(InvalidState):
    """The account is frozen: nothing moves through it until it is unfrozen."""


class Forbidden(LedgerError):
    """A posting debits an account that the caller does not control."""

    code = "forbidden"
    http_status = 403


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    http_status = 409


class Conflict(LedgerError):
    """A uniqueness rule refused the write (a reused reference or currency code)."""

    code = "conflict"
    http_status = 409


class NotFound(LedgerError):
    """The resource addressed directly (by id in a URL) does not exist."""

    code = "not_found"
    http_status = 404


class AccountNotFound(NotFound):
    pass


class TransferNotFound(NotFound):
    pass


#: Every error class by code, so a stored error can be raised again on an idempotent replay.
ERRORS_BY_CODE = {
    cls.code: cls
    for cls in (InvalidAmount, CurrencyMismatch, InsufficientFunds, LimitExceeded,
                ValidationError, InvalidState, Forbidden, IdempotencyConflict, Conflict,
                NotFound)
}


def rebuild_error(stored: dict) -> LedgerError:
    """Recreate the error recorded for an idempotency key."""
    cls = ERRORS_BY_CODE.get(stored["code"], LedgerError)
    error = cls.__new__(cls)
    LedgerError.__init__(error, stored["message"], **stored.get("details", {}))
    error.code = stored["code"]  # kept even when no class has it (an HTTP layer's refusal)
    return error
