"""JSON API of public procurement: tenders and lots, notice imports, OCDS export."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.auth.roles import Role
from market.offers.viewer import writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import exports, imports, tenders
from market.procurement.notice import NoticeError
from market.procurement.present import lot_data, tender_data
from market.procurement.schemas import (
    ImportedSchema,
    LotSchema,
    TenderListArgsSchema,
    TenderPageSchema,
    TenderSchema,
)
from market.web.access import protect, public, signed_in
from market.web.errors import ValidationError
from market.web.jsonapi import Blueprint

blp = Blueprint("procurement_api", __name__, url_prefix="/api/v1",
                description="Public procurement: tenders, lots, notice imports")

BUYERS = (Role.buyer,)
#: What a notice may be sent as when it is the request's body rather than a file field.
NOTICE_TYPES = ("application/xml", "text/xml", "application/json")


def reading_buyers() -> set[int]:
    """The buyers whose drafts the caller may read."""
    if not current_user.is_authenticated:
        return set()
    return current_user.member_ids(*BUYERS, acting="read")


def uploaded_notice() -> bytes:
    """The notice sent: a multipart field ``file``, or the body itself (XML or JSON)."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read()
    if request.mimetype in NOTICE_TYPES:
        return request.get_data()
    raise ValidationError({"file": [_("Envoyez un avis eForms (XML) ou un paquet OCDS "
                                      "(JSON) : champ de fichier « file » ou corps de la "
                                      "requête.")]})


@blp.get("/tenders")
@blp.arguments(TenderListArgsSchema, location="query")
@blp.response(200, TenderPageSchema)
def list_tenders(args: dict):
    """Published tenders (and the caller's own drafts), oldest first."""
    page = tenders.list_tenders(db.session, reading_buyers(), mine=args["mine"],
                                status=args["status"], limit=args["limit"],
                                cursor=args["cursor"])
    return {"items": [tender_data(t) for t in page.items], "next_cursor": page.next_cursor}


@blp.get("/tenders/<int:tender_id>")
@blp.response(200, TenderSchema)
def get_tender(tender_id: int):
    """A tender and its lots."""
    return tender_data(tenders.visible_tender(db.session, tender_id, reading_buyers()))


@blp.get("/tenders/<int:tender_id>/ocds")
@blp.response(200)
def tender_ocds(tender_id: int):
    """The tender as an OCDS 1.1 release package (lots extension)."""
    tender = tenders.visible_tender(db.session, tender_id, reading_buyers())
    return exports.ocds_package(tender, url_for(".tender_ocds", tender_id=tender.id,
                                                _external=True))


@blp.get("/lots/<int:lot_id>")
@blp.response(200, LotSchema)
def get_lot(lot_id: int):
    """A lot of a tender."""
    return lot_data(tenders.visible_lot(db.session, lot_id, reading_buyers()))


@blp.post("/tenders/import")
@blp.response(201, ImportedSchema)
def import_tenders():
    """Import an eForms contract notice (XML) or an OCDS release package (JSON) for the
    caller's buyer (``?member=`` if they buy for several); the same notice again updates
    its tender (200)."""
    data = uploaded_notice()
    try:
        notices = imports.read(data)
    except NoticeError as error:
        raise ValidationError({"file": [error.message, *error.problems]},
                              _("Ce fichier n'est pas un avis que l'on puisse importer : "
                                "voyez ce qui ne va pas dans le détail.")) from None
    begin_write(db.session)
    buyer = writing_member(db.session, request.args.get("member"), BUYERS)
    done = [imports.import_notice(db.session, notice, buyer) for notice in notices]
    db.session.commit()
    body = {"items": [{"created": d.created, "tender": tender_data(d.tender)} for d in done]}
    return body, 201 if any(d.created for d in done) else 200


protect(blp, {
    "list_tenders": public,
    "get_tender": public,  # drafts only for their buyer's users (tenders.visible)
    "tender_ocds": public,
    "get_lot": public,
    "import_tenders": signed_in,  # for a buyer the caller holds the buyer role for
})
