"""JSON shapes of the auth API, one schema per direction."""

from marshmallow import Schema, fields, validate

from market.web.pagination import page_schema


class RoleSchema(Schema):
    """A role held by the caller, with the member it is held for."""

    role = fields.String(required=True, metadata={"example": "member_admin"})
    member_id = fields.Integer(allow_none=True, required=True,
                               metadata={"description": "Null for network roles."})


class MeSchema(Schema):
    """The authenticated caller."""

    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    roles = fields.List(fields.Nested(RoleSchema), dump_only=True)


class TokenSchema(Schema):
    """An API token as listed: never the secret itself."""

    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True,
                           metadata={"description": "First characters, to recognise it."})
    created_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True,
                                        metadata={"description": "To the minute."})
    expires_at = fields.AwareDateTime(dump_only=True, allow_none=True,
                                      metadata={"description": "Null: until revoked."})
    can_create_tokens = fields.Boolean(dump_only=True)


class TokenCreateSchema(Schema):
    """Body of POST /tokens."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"example": "Export comptable"})
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                      metadata={"description": "Ahead, within five years; "
                                                "null or omitted: until revoked."})
    can_create_tokens = fields.Boolean(load_default=False, metadata={
        "description": "Whether calls made with it may create tokens. A token that lacks "
                       "this right can create no token at all."})


class TokenCreatedSchema(TokenSchema):
    """A token just created: the only time its plaintext is ever returned."""

    token = fields.String(dump_only=True,
                          metadata={"description": "Send as `Authorization: Bearer <token>`; "
                                                   "it is shown only in this response."})


TokenPageSchema = page_schema(TokenSchema)
