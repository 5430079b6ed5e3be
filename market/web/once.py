"""A money-moving use case run once per Idempotency-Key, in one transaction, its refusal
stored under the key in its own words (the refused step rolled back)."""

import ledger
from ledger import idempotency as ledger_idempotency
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web import refusals
from market.web.errors import AppError
from market.web.idempotency import current
from market.web.refusals import as_refusal


def once(operation: str, work):
    """Run the use case ``work()`` once per ``Idempotency-Key``, in one transaction; a
    refusal is stored under the key too (the refused step rolled back)."""
    begin_write(db.session)
    refused = {}

    def attempt(_conn):
        try:
            return work()
        except AppError as error:
            db.session.expire_all()  # nothing of the refused step may reach the commit
            refused["stored"] = as_refusal(error)
            refused["error"] = error
            raise refused["stored"] from None
        except BaseException:
            db.session.expire_all()
            raise

    try:
        result = ledger_idempotency.run(db.session.connection(), operation, None, current(),
                                        attempt)
    except ledger.LedgerError as error:
        db.session.commit()  # the key with its refusal; the refused step rolled back
        if error is refused.get("stored"):
            raise refused["error"] from None  # its own words, not the generic ones
        raise refusals.app_error(error) from None
    db.session.commit()
    return result
