"""What every test's new application would otherwise rebuild from scratch.

Each test creates its own app (its own database), and most of that cost is work whose
result depends only on the code: werkzeug compiling two URL builders per rule (~1,300
rules, 0.1 s an app), Jinja parsing and compiling each template again, and SQLAlchemy
compiling each statement again for each new engine (its cache is the engine's). Builders
and templates are kept for the session; so is the engine of a PostgreSQL database (one per
worker, emptied between tests), with its statement cache. SQLite tests keep an engine of
their own: each has its own file.
"""

from jinja2 import BytecodeCache
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

from ledger.store import pgcache

_builders: dict = {}
_compile_builder = Rule._compile_builder


def _remembered_builder(self, append_unknown: bool = True):
    """Rule._compile_builder, memoised: the builder's code depends on the rule's text, its
    parsed parts and its defaults only (the rule itself is passed to it at each call)."""
    key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
           append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


class SessionBytecode(BytecodeCache):
    """Compiled templates kept in memory for the test session (Jinja checks each one's
    source checksum before using it, so an edited template is compiled again)."""

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if (code := self.codes.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SessionBytecode()


_engines: dict = {}


def _remembered_engines(make):
    """Flask-SQLAlchemy's engine factory, keeping one PostgreSQL engine per set of options."""
    def engine_for(bind_key, options, app):
        if make_url(options["url"]).get_backend_name() != "postgresql":
            return make(bind_key, options, app)
        key = repr(sorted((name, repr(value)) for name, value in options.items()))
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make(bind_key, options, app)
        # The fast path's per-engine facts (account -> currency) belong to the last test's
        # rows: a new test starts without them, as it would with an engine of its own.
        pgcache._caches.pop(engine, None)
        return engine
    return engine_for


def install(db) -> None:
    """Memoise URL builders and PostgreSQL engines for every app made from now on."""
    Rule._compile_builder = _remembered_builder
    db._make_engine = _remembered_engines(db._make_engine)


def share_templates(app) -> None:
    """Give ``app`` the session's compiled templates."""
    app.jinja_env.bytecode_cache = TEMPLATES
