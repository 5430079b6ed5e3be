"""Request and response schemas of the notifications API, one per direction."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_dump

from market.members.fields import InputSchema
from market.notifications.messages import render
from market.notifications.models import NotificationKind
from market.web.pagination import PageArgsSchema, page_schema


class NotificationSchema(Schema):
    """A notification as its user reads it: worded in the language of the request."""

    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True,
                         metadata={"enum": [kind.value for kind in NotificationKind]})
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    url = fields.String(dump_only=True, metadata={"description": "A path inside the site."})
    params = fields.Dict(dump_only=True,
                         metadata={"description": "What the message is made of (by kind)."})
    unread = fields.Boolean(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    read_at = fields.AwareDateTime(dump_only=True, allow_none=True,
                                   metadata={"description": "Null while unread."})

    @pre_dump
    def word(self, note, **kwargs) -> dict:
        """Render the notification's title and body from its kind and params."""
        message = render(note.kind, note.params or {})
        return {"id": note.id, "kind": note.kind, "title": message.title,
                "body": message.body, "url": note.url, "params": note.params or {},
                "unread": note.read_at is None, "created_at": note.created_at,
                "read_at": note.read_at}


NotificationPageSchema = page_schema(NotificationSchema)


class NotificationQueryArgsSchema(PageArgsSchema, InputSchema):
    """The list's paging, and whether to list unread notifications only."""

    unread = fields.Boolean(load_default=False,
                            error_messages={"invalid": _l("true ou false attendu.")},
                            metadata={"description": "Only the unread ones."})


class ReadAllSchema(Schema):
    """What marking everything read did."""

    marked = fields.Integer(dump_only=True,
                            metadata={"description": "Notifications that were unread."})
