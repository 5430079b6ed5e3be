"""How a refused use case shows on the page that asked: the form again with its messages.

Not found, forbidden and signed out are answers to the request, not to the form: they go
to the error page (PASS_THROUGH); any other refusal becomes messages by field.
"""

from market.web import field_messages
from market.web.errors import AppError, Forbidden, NotFound, Unauthenticated, ValidationError

#: Errors a page shows rather than an error page: the form was refused, not the request.
PASS_THROUGH = (NotFound, Forbidden, Unauthenticated)


def messages(error: AppError) -> dict:
    """A refused use case's messages by field, in the reader's language (``form`` for the
    whole form)."""
    if isinstance(error, ValidationError):
        return {name: [str(m) for m in found]
                for name, found in field_messages.translate(error.fields).items()}
    return {"form": [error.message]}


def flat(found, prefix: str = "") -> dict:
    """Nested schema messages as dotted keys ("shares.0.percent": [...])."""
    if not isinstance(found, dict):
        return {prefix: [str(m) for m in found] if isinstance(found, list) else [str(found)]}
    out = {}
    for key, value in found.items():
        out.update(flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out
