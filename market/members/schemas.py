"""Request and response schemas for members and sectors, one per direction."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from market.members import taxonomy
from market.members.fields import (
    MESSAGES,
    InputSchema,
    Money,
    choice,
    coordinate,
    count,
    email_or_empty,
    string_list,
    text,
    url_or_empty,
)
from market.members.models import InclusionKind, LegalForm, Member, MemberStatus
from market.web.pagination import PageArgsSchema, page_schema

#: Longest description accepted (the column is unbounded; a profile is not a book).
DESCRIPTION_MAX = 5000


def width(column: str) -> int:
    """Return the declared length of a String column of members."""
    return Member.__table__.c[column].type.length


def sector_code(**kwargs) -> fields.String:
    """A sector code of the taxonomy."""
    return choice(sorted(taxonomy.sectors_by_code()), **kwargs)


class MemberUpdateSchema(InputSchema):
    """Fields a PATCH may change; absent fields stay as they are."""

    name = text(width("name"), validate.Length(min=1, error=_l("Le nom est obligatoire.")))
    siret = text(32, allow_none=True, metadata={"description": "14 digits; spaces allowed."})
    foreign_id = text(width("foreign_id"), allow_none=True)
    legal_form = choice(LegalForm)
    inclusion_kind = choice(InclusionKind)
    status = choice(MemberStatus, metadata={"description": "Network admins only."})
    address = text(width("address"))
    postcode = text(width("postcode"))
    city = text(width("city"))
    insee_code = text(5, validate.Regexp(r"^[0-9][0-9AB][0-9]{3}$",
                                         error=_l("Code INSEE invalide (5 caractères).")),
                      allow_none=True)
    department = text(width("department"))
    region = text(width("region"))
    country = text(2, validate.Regexp(r"^[A-Z]{2}$",
                                      error=_l("Code pays ISO à deux lettres majuscules.")))
    nuts_code = text(5, validate.Regexp(r"^[A-Z]{2}[A-Z0-9]{0,3}$",
                                        error=_l("Code NUTS invalide.")), allow_none=True)
    latitude = coordinate(90, allow_none=True)
    longitude = coordinate(180, allow_none=True)
    description = text(DESCRIPTION_MAX)
    website = text(width("website"), url_or_empty)
    contact_name = text(width("contact_name"))
    contact_email = text(width("contact_email"), email_or_empty)
    contact_phone = text(width("contact_phone"))
    turnover = Money(attribute="turnover_cents", allow_none=True,
                     error_messages=MESSAGES, metadata={"description": "Annual, in euros."})
    headcount = count(allow_none=True)
    insertion_headcount = count(allow_none=True)
    sectors = string_list(sector_code(), 30, metadata={"description": "Sector codes."})
    networks = string_list(text(64), 30, metadata={"description": "Network slugs; network "
                                                                  "admins only."})


class MemberCreateSchema(MemberUpdateSchema):
    """Fields of a new member; only the name is required."""

    name = text(width("name"), validate.Length(min=1, error=_l("Le nom est obligatoire.")),
                required=True)


class NetworkSchema(Schema):
    """A network, as shown with its members."""

    id = fields.Integer(dump_only=True)
    slug = fields.String()
    name = fields.String()
    kind = fields.String()


class MemberSchema(Schema):
    """A member as the API returns it."""

    id = fields.Integer()
    name = fields.String()
    siren = fields.String(allow_none=True)
    siret = fields.String(allow_none=True)
    foreign_id = fields.String(allow_none=True)
    legal_form = fields.String()
    inclusion_kind = fields.String()
    status = fields.String()
    address = fields.String()
    postcode = fields.String()
    city = fields.String()
    insee_code = fields.String(allow_none=True)
    department = fields.String()
    region = fields.String()
    country = fields.String()
    nuts_code = fields.String(allow_none=True)
    latitude = fields.Decimal(as_string=True, allow_none=True)
    longitude = fields.Decimal(as_string=True, allow_none=True)
    description = fields.String()
    website = fields.String()
    contact_name = fields.String()
    contact_email = fields.String()
    contact_phone = fields.String()
    turnover = Money(attribute="turnover_cents", allow_none=True)
    headcount = fields.Integer(allow_none=True)
    insertion_headcount = fields.Integer(allow_none=True)
    sectors = fields.List(fields.String(), attribute="sector_codes")
    networks = fields.List(fields.Nested(NetworkSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


MemberPageSchema = page_schema(MemberSchema)


class MemberQueryArgsSchema(PageArgsSchema, InputSchema):
    """Filters of the member list (the directory page uses the same ones)."""

    q = text(200, metadata={"description": "Part of the name."})
    sector = sector_code()
    sector_group = choice(sorted(taxonomy.groups_by_code()))
    inclusion_kind = choice(InclusionKind)
    legal_form = choice(LegalForm)
    region = text(width("region"))
    department = text(width("department"))
    country = text(2)
    nuts = text(5, metadata={"description": "NUTS code or prefix (FRI, FRI15)."})
    network = text(64, metadata={"description": "Network slug."})
    status = choice(MemberStatus, metadata={"description": "Network admins only; others "
                                                           "always see active members."})


class SectorSchema(Schema):
    """A sector of the taxonomy and the CPV divisions it answers to."""

    code = fields.String()
    label_fr = fields.String()
    label_en = fields.String()
    cpv_divisions = fields.List(fields.String())


class SectorGroupSchema(Schema):
    """A group of sectors."""

    code = fields.String()
    label_fr = fields.String()
    label_en = fields.String()
    sectors = fields.List(fields.Nested(SectorSchema))


class SectorGroupListSchema(Schema):
    """The whole taxonomy in one page (next_cursor is always null)."""

    items = fields.List(fields.Nested(SectorGroupSchema))
    next_cursor = fields.String(allow_none=True)
