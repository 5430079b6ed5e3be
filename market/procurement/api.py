"""JSON API of public procurement: tenders and lots, notice imports, OCDS export."""

from flask import Response, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from market.auth.roles import Role
from market.offers.viewer import editable_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import exports, imports, matches, tenders
from market.procurement.notice import NoticeError
from market.procurement.present import lot_data, tender_data
from market.procurement.schemas import (
    ImportedSchema,
    LotSchema,
    MatchesSchema,
    TenderListArgsSchema,
    TenderPageSchema,
    TenderSchema,
)
from market.web.access import protect, public, signed_in
from market.web.errors import Forbidden, NotFound, ValidationError
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


def buyer_lot(lot_id: int):
    """A lot of one of the caller's buyers (a network admin sees every lot)."""
    buyers, admin = reading_buyers(), current_user.has_role(Role.network_admin)
    lot = tenders.visible_lot(db.session, lot_id, buyers, everyone=admin)
    # Another buyer's lot, even published, is told apart from no lot by no one.
    if lot.tender.buyer_id not in buyers and not admin:
        raise NotFound(_("Lot introuvable."))
    return lot


def lot_matches_data(lot_id: int) -> dict:
    lot = buyer_lot(lot_id)
    found = matches.lot_matches(db.session, lot)
    return matches.matches_data(db.session, found, str(get_locale() or "fr"),
                                lot.tender.buyer_id)


@blp.get("/lots/<int:lot_id>/matches")
@blp.response(200, MatchesSchema)
def lot_matches(lot_id: int):
    """The structures and groupings that can answer the lot, scored and explained (for the
    lot's buyer)."""
    return lot_matches_data(lot_id)


@blp.get("/lots/<int:lot_id>/matches.csv")
@blp.response(200, content_type="text/csv")
def lot_matches_csv(lot_id: int):
    """The same matches as CSV (UTF-8), one line per answer."""
    body = matches.matches_csv(lot_matches_data(lot_id))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="lot-{lot_id}-matches.csv"'})


@blp.post("/tenders/import")
@blp.response(201, ImportedSchema)
def import_tenders():
    """Import an eForms contract notice (XML) or an OCDS release package (JSON) for the
    caller's buyer (``?member=`` if they buy for several); the same notice again updates
    its tender (200)."""
    if not editable_members(BUYERS):  # who may import, before any work on the file
        raise Forbidden(_("Seuls les acheteurs d'une structure active importent des avis."))
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
    "lot_matches": signed_in,  # the lot's buyer's users and network admins (buyer_lot)
    "lot_matches_csv": signed_in,
    "import_tenders": signed_in,  # for a buyer the caller holds the buyer role for
})
