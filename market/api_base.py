"""flask-smorest's Api, leaving error rendering to market.errors (one shape everywhere)."""

import flask_smorest


class Api(flask_smorest.Api):
    """The JSON API: OpenAPI document and docs page; errors are rendered by market.errors."""

    def _register_error_handlers(self):
        """Let market.errors render HTTP errors, as JSON or HTML depending on the caller."""
