"""Request and response schemas of the groupings API."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from market.procurement.groupings import MAX_ID, MAX_MEMBERS
from market.procurement.models import GroupingKind, GroupingStatus, InvitationStatus
from market.treasury.schemas import InputSchema, text
from market.web.pagination import PageArgsSchema, page_schema

ID = validate.Range(min=1, max=MAX_ID, error=_l("Un identifiant va de {min} à {max}."))


def identifier(**kwargs) -> fields.Integer:
    """A row id: a JSON integer (never a string or a float) of 32 bits."""
    return fields.Integer(strict=True, validate=ID, **kwargs)


class ActingArgsSchema(Schema):
    """For which of their members the caller acts."""

    member = fields.Integer(load_default=None, validate=ID, metadata={
        "description": "The caller's member (when they act for several); a network admin "
                       "without it acts for the network."})


class GroupingInSchema(InputSchema):
    """A grouping proposed: its kind, members to invite, sectors, and the lot it is for."""

    name = text(1, 200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in GroupingKind]),
                         metadata={"description": "gie, joint or joint_and_several"})
    siret = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=32), metadata={
                              "description": "A GIE's own SIRET (14 digits, Luhn-valid); "
                                             "none for a temporary grouping."})
    members = fields.List(identifier(), required=True,
                          validate=validate.Length(min=1, max=MAX_MEMBERS), metadata={
                              "description": "Members to invite (besides the caller's own)."})
    sectors = fields.List(text(1, 32), load_default=list,
                          validate=validate.Length(max=60),
                          metadata={"description": "Sector codes (GET /sectors)."})
    lot_id = identifier(load_default=None, allow_none=True,
                        metadata={"description": "The published lot it is proposed for."})
    lead_id = identifier(load_default=None, allow_none=True, metadata={
        "description": "The lead (mandataire), one of the members; default: the caller's."})


class InviteInSchema(InputSchema):
    """One more member to invite."""

    member_id = identifier(required=True)


class GroupingListArgsSchema(PageArgsSchema, ActingArgsSchema):
    """Which groupings: those of the caller's member, of a status."""

    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in GroupingStatus]))


class GroupingLeadSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class GroupingLotSchema(Schema):
    id = fields.Integer()
    tender_id = fields.Integer()
    title = fields.String()


class GroupingMemberSchema(Schema):
    """A member of a grouping and its answer."""

    id = fields.Integer()
    name = fields.String()
    inclusion_kind = fields.String()
    status = fields.String(metadata={"description": ", ".join(s.value for s in
                                                              InvitationStatus)})
    responded_at = fields.String(allow_none=True)
    lead = fields.Boolean()


class GroupingSchema(Schema):
    """A grouping of structures answering together, its lead and each member's answer."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"description": "gie, joint or joint_and_several"})
    siret = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "proposed, active or dissolved"})
    lead = fields.Nested(GroupingLeadSchema)
    members = fields.List(fields.Nested(GroupingMemberSchema))
    sectors = fields.List(fields.String())
    lot = fields.Nested(GroupingLotSchema, allow_none=True)
    created_at = fields.String()


GroupingPageSchema = page_schema(GroupingSchema)
