"""Domain exceptions and their rendering: JSON errors for the API, HTML pages for people.

Every error body follows CONVENTIONS.md:
``{"error": {"code": "...", "message": "...", "details": {...}}}``.
"""

import logging

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from market.web import field_messages

log = logging.getLogger(__name__)

#: Default machine code for each HTTP status we produce.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "bad_request",
    415: "bad_request",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class AppError(Exception):
    """A failure the caller can understand; carries an HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthenticated(AppError):
    status, code = 401, "unauthenticated"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class InvalidState(AppError):
    status, code = 409, "invalid_state"


class ValidationError(AppError):
    """Field errors: ``fields`` maps a field name to its list of messages."""

    status, code = 422, "validation_error"

    def __init__(self, fields: dict, message: str | None = None):
        super().__init__(message or _("Les données envoyées ne sont pas valides."),
                         {"fields": fields})
        self.fields = fields


class BusinessRuleError(AppError):
    """A rule of the domain refused the operation (e.g. ``not_eligible``)."""

    status = 422


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    """Build the JSON error body of CONVENTIONS.md."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def wants_json() -> bool:
    """Tell whether the current request should get a JSON error rather than a page."""
    if request.path.startswith("/api/") or request.path in ("/healthz", "/stripe/webhook"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def render_error(status: int, code: str, message: str, details=None, headers=None):
    """Answer an error as JSON for programs or as an HTML page for people."""
    if wants_json():
        if code == "validation_error" and details and "fields" in details:
            details = {**details, "fields": field_messages.translate(details["fields"])}
        return error_body(code, message, details), status, headers or {}
    page = render_template("errors/error.html", status=status, code=code, message=message)
    return page, status, headers or {}


def login_redirect():
    """Send a person to the sign-in page, coming back here afterwards when it is a page."""
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def http_message(status: int, exc: HTTPException) -> str:
    """Pick a translated, human message for a bare HTTP error."""
    messages = {
        400: _("La requête est mal formée."),
        401: _("Connectez-vous pour continuer."),
        403: _("Vous n'avez pas le droit de faire cela."),
        404: _("Cette page ou cette ressource n'existe pas."),
        405: _("Cette méthode n'est pas permise ici."),
        413: _("La requête est trop volumineuse."),
        415: _("Le type de contenu doit être application/json."),
        429: _("Trop de tentatives : réessayez plus tard."),
        500: _("Une erreur interne est survenue ; elle a été enregistrée."),
    }
    return messages.get(status, exc.description or exc.name)


def register_error_handlers(app: Flask) -> None:
    """Render every error the application can raise, never with a stack trace."""

    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError):
        if isinstance(exc, Unauthenticated) and not wants_json():
            return login_redirect()
        return render_error(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        message = _("Jeton CSRF manquant ou invalide : rechargez la page et réessayez.")
        return render_error(400, "bad_request", message, {"reason": exc.description})

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        headers = dict(exc.get_headers())
        headers.pop("Content-Type", None)
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")  # set by webargs when a schema refuses the input
        if status == 422 and messages:
            fields = {}
            for location_messages in messages.values():
                fields.update(location_messages)
            return render_error(422, "validation_error",
                                _("Les données envoyées ne sont pas valides."),
                                {"fields": fields}, headers)
        if status == 400 and messages:
            return render_error(400, "bad_request",
                                _("Le corps de la requête n'est pas du JSON valide."),
                                headers=headers)
        message = data.get("message") or http_message(status, exc)
        return render_error(status, STATUS_CODES.get(status, "error"), message, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return handle_http(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal_error", http_message(500, HTTPException()))
