"""flask-smorest's Api, documenting and leaving error rendering to market.web.errors."""

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
    """The JSON API: OpenAPI document and docs page; errors are rendered by market.web.errors."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Let market.web.errors render HTTP errors, as JSON or HTML depending on the caller."""


class Blueprint(flask_smorest.Blueprint):
    """An API blueprint whose bodies are read with market.web.jsonbody's limits."""

    ARGUMENTS_PARSER = Parser()


#: The JSON API extension, initialised by the app factory.
api = Api()
