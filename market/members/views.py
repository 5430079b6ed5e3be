"""Web pages: the public directory and member profiles (filled in by the members work)."""

from flask import Blueprint

from market.auth.access import protect, public

bp = Blueprint("members", __name__)


@bp.get("/")
def directory():
    return "directory"


protect(bp, {"directory": public})
