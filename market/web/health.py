"""Liveness and readiness: `GET /healthz`."""

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from market.platform.extensions import db
from market.web.access import protect, public

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the service and its database answer, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="degraded", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


protect(bp, {"healthz": public})
