"""No NUL character in a query string or a form: a 400 before any view sees it.

NUL is never part of a text people type, PostgreSQL cannot store or compare it (a filter
holding one would fail the request), and it is a classic way to cut a string short. JSON
bodies are checked by their schemas, field by field.
"""

from flask import Flask, request
from flask_babel import gettext as _

from market.web.errors import BadRequest

#: The bodies that request.form reads.
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_nul() -> None:
    """Answer 400 to a request whose query string or form holds a NUL character."""
    # Only a form body is parsed here: reading request.form on a JSON body is wasted work.
    sources = (request.args,) if request.query_string else ()
    if request.mimetype in FORMS:
        sources += (request.form,)
    for values in sources:
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            raise BadRequest(_("Le caractère NUL n'est pas permis dans une requête."))


def init_app(app: Flask) -> None:
    """Check every request of ``app``, first of all."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
