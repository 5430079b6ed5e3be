"""Notification use cases: notify users (or a member's people), count, list, mark read.

``notify`` and ``notify_member`` are what other domains call, inside their own use case:
they flush and never commit, so the notifications and their emails (outbox rows) commit
with what caused them, or roll back with it and are never sent. The emails go out after
that commit (market.notifications.sender, or `flask notifications send`).

    from market.notifications import services as notifications
    notifications.notify_member(session, order.seller_id, "order_requested",
                                {"order_id": order.id, "offer_title": offer.title,
                                 "buyer_name": buyer.name}, f"/commandes/{order.id}")

Reads and marks take the user's id: a user only ever reaches their own notifications.
"""

import json
from collections.abc import Iterable, Sequence

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from market.auth.models import User, UserRole
from market.auth.roles import Role
from market.notifications import messages, sender
from market.notifications.models import Notification, OutboxEmail
from market.platform.time import now_utc
from market.web.errors import NotFound
from market.web.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_key, encode_cursor

#: Languages an email can be written in; other locales get the first.
LOCALES = ("fr", "en")
#: Largest id the notifications' INTEGER key can hold (a bigger one is simply not found).
MAX_ID = 2**31 - 1
URL_MAX = Notification.__table__.c.url.type.length
#: Who hears of what happens to a member, unless the caller says otherwise.
MEMBER_ROLES = (Role.member_admin, Role.member_staff)


def notify(session, user_ids: Iterable[int], kind: str, params: dict, url: str, *,
           site_url: str | None = None) -> list[Notification]:
    """Write a notification of ``kind`` for each of ``user_ids`` (unknown ids are skipped,
    repeated ones counted once), and an email for each of them whose account is active,
    worded in their language; flush, no commit.

    ``params`` holds what the message needs (market.notifications.messages.REQUIRED),
    ``url`` a path inside the site. Email links start with ``site_url`` (default: the
    SITE_URL setting; none: relative paths). A wrong kind, params or url is a ValueError:
    a bug of the caller, not bad input.
    """
    check(kind, params, url)
    wanted = list(dict.fromkeys(int(i) for i in user_ids))
    if not wanted:
        return []
    users = {row.id: row for row in session.execute(
        select(User.id, User.email, User.locale, User.active).where(User.id.in_(wanted)))}
    created = [Notification(user_id=uid, kind=kind, params=dict(params), url=url)
               for uid in wanted if uid in users]
    session.add_all(created)
    session.flush()
    base = configured_site_url() if site_url is None else site_url.rstrip("/")
    emails = []
    for note in created:
        user = users[note.user_id]
        if not user.active or not user.email:
            continue
        locale = user.locale if user.locale in LOCALES else LOCALES[0]
        subject, body = messages.email_text(messages.render(kind, params, locale), base, url)
        emails.append(OutboxEmail(notification_id=note.id, to_address=user.email,
                                  subject=_clean(subject)[:300], body=_clean(body)))
    if emails:
        session.add_all(emails)
        session.flush()
        sender.expect_mail(session)
    return created


def notify_member(session, member_id: int, kind: str, params: dict, url: str,
                  roles: Sequence[str] = MEMBER_ROLES, *,
                  site_url: str | None = None) -> list[Notification]:
    """Notify the users holding one of ``roles`` for member ``member_id`` (see notify)."""
    return notify(session, member_users(session, member_id, roles), kind, params, url,
                  site_url=site_url)


def member_users(session, member_id: int, roles: Sequence[str] = MEMBER_ROLES, *,
                 also: int | None = None) -> list[int]:
    """The users holding one of ``roles`` for member ``member_id``, by id, then ``also``
    (the author of a want or a question, say) if not among them."""
    ids = session.scalars(
        select(UserRole.user_id).where(UserRole.member_id == member_id,
                                       UserRole.role.in_([str(r) for r in roles]))
        .distinct().order_by(UserRole.user_id)).all()
    return list(dict.fromkeys([*ids, *([also] if also else [])]))


def check(kind: str, params: dict, url: str) -> None:
    """Refuse (ValueError) an unknown kind, params lacking what its message needs or not
    plain JSON, and a url that is not a path inside the site."""
    if not isinstance(params, dict):
        raise ValueError("params must be a dict")
    missing = messages.missing_params(kind, params)
    if missing:
        raise ValueError(f"{kind} notifications need params {missing}")
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"params must be plain JSON values: {exc}") from None
    if not (isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\"))
            and len(url) <= URL_MAX and url.isprintable() and " " not in url):
        raise ValueError(f"url must be a path inside the site, not {url!r}")


def configured_site_url() -> str:
    """The site's address for links in emails (SITE_URL), "" when not configured."""
    if not has_app_context():
        return ""
    return (current_app.config.get("SITE_URL") or "").rstrip("/")


def _clean(text: str) -> str:
    """Text a database column can hold (PostgreSQL refuses NUL)."""
    return text.replace("\x00", "")


def unread_count(session, user_id: int) -> int:
    """How many of the user's notifications are unread."""
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def list_for(session, user_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None,
             unread_only: bool = False) -> Page:
    """One page of the user's notifications, newest first (keyset on the id)."""
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        stmt = stmt.where(Notification.id < decode_key(cursor, (int,), MAX_ID)[0])
    rows = list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = encode_cursor([items[-1].id]) if len(rows) > limit else None
    return Page(items, next_cursor)


def get_own(session, user_id: int, notification_id: int) -> Notification:
    """The user's notification ``notification_id``; another user's is not found either."""
    found = None
    if 0 < notification_id <= MAX_ID:
        found = session.scalar(select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id))
    if found is None:
        raise NotFound(_("Cette notification n'existe pas."))
    return found


def mark_read(session, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again: no change); flush, no commit."""
    note = get_own(session, user_id, notification_id)
    if note.read_at is None:
        note.read_at = now_utc()
        session.flush()
    return note


def mark_all_read(session, user_id: int) -> int:
    """Mark every unread notification of the user read; return how many; flush, no commit."""
    result = session.execute(
        update(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None))
        .values(read_at=now_utc()).execution_options(synchronize_session="fetch"))
    return result.rowcount
