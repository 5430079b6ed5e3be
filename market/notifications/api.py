"""JSON API of the caller's notifications: parse, call one service, serialise."""

from flask_login import current_user

from market.notifications import services
from market.notifications.schemas import (
    NotificationPageSchema,
    NotificationQueryArgsSchema,
    NotificationSchema,
    ReadAllSchema,
)
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, signed_in
from market.web.jsonapi import Blueprint

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1",
                description="The caller's notifications")

ID = f"int(min=1, max={services.MAX_ID})"


@blp.get("/notifications")
@blp.arguments(NotificationQueryArgsSchema, location="query")
@blp.response(200, NotificationPageSchema)
@blp.alt_response(401, description="Not authenticated.")
def list_notifications(args: dict):
    """List the caller's notifications, newest first (``unread=true``: unread ones only)."""
    return services.list_for(db.session, current_user.id, args["limit"], args["cursor"],
                             unread_only=args["unread"])


@blp.post(f"/notifications/<{ID}:notification_id>/read")
@blp.response(200, NotificationSchema)
@blp.alt_response(401, description="Not authenticated.")
@blp.alt_response(404, description="No such notification among the caller's.")
def mark_read(notification_id: int):
    """Mark one of the caller's notifications read (again: no change)."""
    begin_write(db.session)
    note = services.mark_read(db.session, current_user.id, notification_id)
    db.session.commit()
    return note


@blp.post("/notifications/read-all")
@blp.response(200, ReadAllSchema)
@blp.alt_response(401, description="Not authenticated.")
def mark_all_read():
    """Mark every unread notification of the caller read."""
    begin_write(db.session)
    marked = services.mark_all_read(db.session, current_user.id)
    db.session.commit()
    return {"marked": marked}


protect(blp, {"list_notifications": signed_in, "mark_read": signed_in,
              "mark_all_read": signed_in})
