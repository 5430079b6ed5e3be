"""Web pages of the inclusive catalogue: the purchase form with its preview of the rotation,
the buyer's purchases, and a purchase with the proof anyone can re-run.

The order runs the same use case as the JSON API (market.procurement.catalogue.purchase), in
one transaction; a refused form is shown again with what is wrong, nothing written.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from market.auth.access import network
from market.auth.roles import Role
from market.members import labels as member_labels
from market.members import taxonomy
from market.members.models import Member
from market.offers.labels import money
from market.offers.models import Offer
from market.offers.viewer import editable_members, own_members, writing_member
from market.platform.database import begin_write
from market.platform.extensions import db
from market.platform.time import now_utc
from market.procurement import catalogue, nuts
from market.procurement.catalogue_schemas import CatalogueCandidateArgsSchema
from market.procurement.labels import day, language
from market.procurement.outreach_models import settings
from market.treasury.schemas import text
from market.web import field_messages, navigation
from market.web.access import any_of, protect, signed_in
from market.web.errors import AppError, ValidationError

bp = Blueprint("procurement_catalogue", __name__)
ID = "int(min=1, max=2147483647)"
BUYERS = (Role.buyer,)
#: The need's fields, as the preview's query and the order form send them.
NEED_FIELDS = ("sector", "department", "postcode", "quantity")
#: Purchases the list shows at once.
PAGE_SIZE = 50


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


def buyer(acting: str):
    """Users holding the buyer role for a member whose status lets them ``acting``."""

    def rule(user, view_args) -> bool:
        return user is not None and bool(user.member_ids(*BUYERS, acting=acting))

    rule.__name__ = f"buyer({acting})"
    return rule


navigation.add_link(N_("Catalogue inclusif"), "procurement_catalogue.catalogue_form",
                    lambda user: buyer("read")(user, {}))


class CatalogueFormSchema(CatalogueCandidateArgsSchema):
    """The order form: the need (the quantity typed as text) and a note for the structure."""

    note = text(0, 2000, free=True, load_default="")


def reading_buyers() -> set[int]:
    return current_user.member_ids(*BUYERS, acting="read")


def is_network_admin() -> bool:
    return current_user.has_role(Role.network_admin)


@bp.context_processor
def catalogue_helpers() -> dict:
    """Formatters for the catalogue's templates."""
    lang = language()
    return {"money": money, "day": day, "currency": catalogue.CURRENCY,
            "sector_label": lambda code: member_labels.sector_label(code, lang),
            "department_name": department_name}


def department_name(code: str) -> str:
    """A department as people read it: "17 — Charente-Maritime"."""
    found = {d.code: d.name for d in nuts.departments()}.get(code)
    return f"{code} — {found}" if found else code


def departments() -> list[nuts.Department]:
    """The departments in their usual order (2A and 2B where 20 was)."""
    return sorted(nuts.departments(), key=lambda d: d.code.replace("A", "0A").replace("B", "0B"))


def sent(values, names) -> dict[str, str]:
    """The fields ``names`` that were filled in, stripped."""
    found = {name: values.get(name, "").strip() for name in names}
    return {name: value for name, value in found.items() if value}


def loaded(schema, values: dict) -> dict:
    """The form's values as the schema loads them; field messages otherwise."""
    try:
        return schema().load(values)
    except SchemaError as error:
        raise ValidationError(field_messages.translate(error.messages)) from None


def preview(data: dict) -> dict:
    """The structures the purchase would go to, least served first, under the threshold
    (the threshold's refusal when none is)."""
    sector, department = catalogue.checked_request(data)
    found = catalogue.candidates(db.session, sector, department, data["quantity"], now_utc(),
                                 exclude=frozenset(reading_buyers()))
    kept = catalogue.within_threshold(db.session, found)
    least = min(c.received_minor for c in kept)
    return {"sector": sector, "department": department, "quantity": data["quantity"],
            "over_threshold": len(found) - len(kept), "items": kept, "least": least,
            "tied": sum(1 for c in kept if c.received_minor == least)}


def render_catalogue(values: dict, *, errors: dict | None = None,
                     problem: str | None = None, show: bool = False, status: int = 200):
    """The form (with what was sent and what is wrong) and, when asked and possible, the
    preview of the rotation."""
    errors = dict(errors or {})
    found = None
    if show and not set(errors) & set(NEED_FIELDS):
        try:
            found = preview(loaded(CatalogueCandidateArgsSchema, sent(values, NEED_FIELDS)))
        except ValidationError as error:
            errors, status = {**errors, **error.fields}, 422
        except AppError as error:
            problem, status = problem or error.message, error.status
    stray = [m for name, messages in errors.items() if name not in (*NEED_FIELDS, "note")
             for m in messages]
    buyers = editable_members(BUYERS)
    members = [] if len(buyers) < 2 else list(db.session.scalars(
        select(Member).where(Member.id.in_(sorted(buyers))).order_by(Member.name)))
    return render_template(
        "procurement/catalogue_form.html", values=values, errors=errors, stray=stray,
        problem=problem, preview=found, can_order=bool(buyers), members=members,
        groups=taxonomy.groups(), language=language(), departments=departments(),
        threshold=settings(db.session).catalogue_threshold_minor), status


@bp.get("/catalogue")
def catalogue_form():
    """The purchase form; with a need sent, the eligible structures in the rotation's order."""
    values = {name: request.args.get(name, "") for name in NEED_FIELDS}
    asked = any(name in request.args for name in NEED_FIELDS)
    return render_catalogue(values, show=asked)


@bp.post("/catalogue")
def place_order():
    """Give the purchase to the least-served eligible structure and order its offer; on
    refusal show the form again with why (nothing written)."""
    values = {name: request.form.get(name, "") for name in (*NEED_FIELDS, "note", "member")}
    try:
        data = loaded(CatalogueFormSchema, sent(values, (*NEED_FIELDS, "note")))
    except ValidationError as error:
        return render_catalogue(values, errors=error.fields, show=True, status=422)
    begin_write(db.session)
    try:
        member = writing_member(db.session, values["member"].strip() or None, BUYERS)
        row = catalogue.purchase(db.session, member, current_user.id, data, now_utc())
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        return render_catalogue(values, errors=error.fields, show=True, status=422)
    except AppError as error:
        db.session.rollback()
        return render_catalogue(values, problem=error.message, show=True, status=error.status)
    flash(_("Commande envoyée à %(name)s : il lui reste à l'accepter.",
            name=row.supplier.name), "success")
    return redirect(url_for(".purchase_page", purchase_id=row.id))


@bp.get("/catalogue/achats")
def purchase_list():
    """The caller's buyers' purchases, oldest first (a network admin's: every buyer's)."""
    cursor = request.args.get("cursor")
    page = catalogue.list_purchases(db.session, None if is_network_admin() else
                                    reading_buyers(), limit=PAGE_SIZE, cursor=cursor)
    return render_template("procurement/catalogue_purchases.html", page=page, cursor=cursor,
                           can_buy=bool(reading_buyers()))


def names(ids: set[int]) -> dict[int, str]:
    """Members' names by id."""
    return dict(db.session.execute(select(Member.id, Member.name)
                                   .where(Member.id.in_(sorted(ids)))).all()) if ids else {}


def ranked(row) -> list[dict]:
    """The stored candidates in the rotation's order, with names and offers to read them."""
    stored = [c for c in row.candidates if isinstance(c, dict)]
    known = names({row.buyer_id, *(c.get("member_id") for c in stored
                                   if isinstance(c.get("member_id"), int))})
    offer_ids = {c.get("offer_id") for c in stored if isinstance(c.get("offer_id"), int)}
    titles = dict(db.session.execute(select(Offer.id, Offer.title)
                                     .where(Offer.id.in_(sorted(offer_ids)))).all()) \
        if offer_ids else {}
    return [{"member_id": c.get("member_id"), "name": known.get(c.get("member_id"), ""),
             "offer_id": c.get("offer_id"), "offer": titles.get(c.get("offer_id"), ""),
             "received_minor": c.get("received_minor")} for c in stored]


def script(candidates: list[dict], seed: str) -> str:
    """The rotation.py rule as a Python script holding this purchase's candidates and seed."""
    pairs = ", ".join(f"({c['member_id']}, {c['received_minor']})" for c in candidates)
    return "\n".join([
        "import random",
        f"candidates = [{pairs}]  # (member, received_minor)",
        f"rng = random.Random({seed!r})",
        "ranking = []",
        "for received in sorted({r for _, r in candidates}):",
        "    tied = sorted(m for m, r in candidates if r == received)",
        "    rng.shuffle(tied)",
        "    ranking.extend(tied)",
        "print(ranking, ranking[0])",
    ])


@bp.get(f"/catalogue/achats/<{ID}:purchase_id>")
def purchase_page(purchase_id: int):
    """A purchase: who got it and why, the ranked candidates, the seed and the rotation
    re-run; for its buyer, its supplier and network admins (anyone else: 404)."""
    row = catalogue.visible_purchase(db.session, purchase_id, reading_buyers() | own_members(),
                                     everyone=is_network_admin())
    candidates = ranked(row)
    received = [c["received_minor"] for c in candidates]
    chosen = received[0] if received else None
    return render_template(
        "procurement/catalogue_purchase.html", row=row, candidates=candidates,
        buyer_name=names({row.buyer_id}).get(row.buyer_id, ""),
        offer=db.session.get(Offer, row.offer_id), verified=catalogue.verified(row),
        tied=sum(1 for r in received if r == chosen), chosen_received=chosen,
        script=script(candidates, row.seed) if candidates else "")


protect(bp, {
    "catalogue_form": buyer("read"),  # a suspended buyer previews but does not order
    "place_order": buyer("write"),  # for an active buyer the caller buys for (writing_member)
    "purchase_list": any_of(buyer("read"), network(Role.network_admin)),
    "purchase_page": signed_in,  # its buyer, its supplier, network admins (visible_purchase)
})
