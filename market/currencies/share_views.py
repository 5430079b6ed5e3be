"""Pages of cooperative shares: subscribe, and the treasurer's register."""

from flask import Blueprint

from market.web.access import protect

bp = Blueprint("shares", __name__, url_prefix="/parts")
protect(bp, {})
