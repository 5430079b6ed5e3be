"""flask-smorest's Api, documenting and leaving error rendering to market.web.errors."""

import threading

import flask_smorest
import marshmallow as ma

from market.web.jsonbody import Parser


class ErrorDetailSchema(ma.Schema):
    """What went wrong: a stable machine code, a human message and structured details."""

    code = ma.fields.String(required=True, metadata={"example": "validation_error"})
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(required=True)


class ErrorSchema(ma.Schema):
    """The error body of CONVENTIONS.md: ``{"error": {"code", "message", "details"}}``."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


class Api(flask_smorest.Api):
    """The JSON API: OpenAPI document and docs page; errors are rendered by market.web.errors.

    The document is written when first read rather than as each blueprint is registered:
    building it is half of what making the application costs, and most processes that make
    one (a test, a CLI command) never serve it.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        self._documenting = threading.Lock()
        self._undocumented = []
        super().__init__(*args, **kwargs)

    def init_app(self, app, *, spec_kwargs=None):
        self._undocumented = []
        super().init_app(app, spec_kwargs=spec_kwargs)

    @property
    def spec(self):
        """The OpenAPI document, with every blueprint registered so far."""
        with self._documenting:
            waiting, self._undocumented = self._undocumented, []
            for blp, name, parameters in waiting:
                blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                          parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` in the application now, in the document when it is read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _register_error_handlers(self):
        """Let market.web.errors render HTTP errors, as JSON or HTML depending on the caller."""


class Blueprint(flask_smorest.Blueprint):
    """An API blueprint whose bodies are read with market.web.jsonbody's limits."""

    ARGUMENTS_PARSER = Parser()


#: The JSON API extension, initialised by the app factory.
api = Api()
