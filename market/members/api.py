"""JSON API for members and sectors (filled in by the members work)."""

from flask_smorest import Blueprint

blp = Blueprint("members_api", __name__, url_prefix="/api/v1", description="Members and sectors")
