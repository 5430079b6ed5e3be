"""Web pages: the signed-in user's notifications, and the unread count of the header."""

from flask import (
    Blueprint,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from market.notifications import services
from market.notifications.messages import render
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, signed_in
from market.web.errors import ValidationError

bp = Blueprint("notifications", __name__)

#: Notifications per page.
PAGE_SIZE = 30
ID = f"int(min=1, max={services.MAX_ID})"


@bp.app_context_processor
def unread_badge() -> dict:
    """Give every page the signed-in user's unread count (0, and no query, when anonymous)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    try:
        return {"unread_notifications": services.unread_count(db.session, current_user.id)}
    except SQLAlchemyError:  # an error page after a failed transaction still renders
        return {"unread_notifications": 0}


@bp.get("/notifications")
def index():
    """The user's notifications, newest first, a page at a time."""
    cursor = request.args.get("cursor") or None
    try:
        page = services.list_for(db.session, current_user.id, PAGE_SIZE, cursor)
    except ValidationError:  # a mangled cursor: the first page rather than an error
        cursor, page = None, services.list_for(db.session, current_user.id, PAGE_SIZE)
    shown = [(note, render(note.kind, note.params or {})) for note in page.items]
    return render_template(
        "notifications/index.html", shown=shown, first_page=cursor is None,
        next_url=url_for(".index", cursor=page.next_cursor) if page.next_cursor else None)


@bp.post(f"/notifications/<{ID}:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one notification read and come back to the list."""
    begin_write(db.session)
    services.mark_read(db.session, current_user.id, notification_id)
    db.session.commit()
    flash(_("La notification est marquée comme lue."), "info")
    return redirect(url_for(".index"))


@bp.post("/notifications/read-all")
def mark_all_read():
    """Mark every notification read and come back to the list."""
    begin_write(db.session)
    services.mark_all_read(db.session, current_user.id)
    db.session.commit()
    flash(_("Toutes les notifications sont marquées comme lues."), "info")
    return redirect(url_for(".index"))


protect(bp, {"index": signed_in, "mark_read": signed_in, "mark_all_read": signed_in})
