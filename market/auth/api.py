"""JSON API for the signed-in user: who am I, API tokens (filled in by the auth work)."""

from flask_smorest import Blueprint

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1", description="Users and tokens")
