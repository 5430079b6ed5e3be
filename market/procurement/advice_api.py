"""JSON API of the advice to buyers on a lot, and of the network's procurement settings."""

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from market.auth.access import network
from market.auth.roles import Role
from market.platform.database import begin_write
from market.platform.extensions import db
from market.procurement import advice, tenders
from market.procurement.advice_schemas import AdviceSchema, SettingsSchema, SettingsUpdateSchema
from market.procurement.models import Lot
from market.procurement.outreach_models import ProcurementSettings, settings
from market.web.access import protect, signed_in
from market.web.errors import NotFound
from market.web.jsonapi import Blueprint

blp = Blueprint("procurement_advice_api", __name__, url_prefix="/api/v1",
                description="Public procurement: advice to buyers, the network's settings")


def buyer_lot(lot_id: int) -> Lot:
    """A lot of one of the caller's buyers (a network admin sees every lot)."""
    # As market.procurement.api.buyer_lot, which an API module may not import.
    buyers = current_user.member_ids(Role.buyer, acting="read")
    admin = current_user.has_role(Role.network_admin)
    lot = tenders.visible_lot(db.session, lot_id, buyers, everyone=admin)
    # Another buyer's lot, even published, is told apart from no lot by no one.
    if lot.tender.buyer_id not in buyers and not admin:
        raise NotFound(_("Lot introuvable."))
    return lot


def advice_data(found: advice.LotAdvice, language: str) -> dict:
    """The advice as AdviceSchema serialises it, its reasons in ``language``."""
    lot, facts, said = found.lot, found.facts, found.advice
    return {
        "lot_id": lot.id, "recommendation": said.recommendation,
        "reservation": said.reservation, "insertion_hours": said.hours,
        "reasons": [reason[language] for reason in said.reasons],
        "answers": facts.answers, "clause_structures": facts.clause_structures,
        "thresholds": found.thresholds,
        "current": {"reservation": facts.reservation, "insertion_hours": facts.insertion_hours,
                    "value_cents": facts.value_cents, "status": lot.status},
    }


def settings_data(found: ProcurementSettings) -> dict:
    """The settings as SettingsSchema serialises them."""
    return {name: getattr(found, name) for name in (*advice.RANGES, "updated_at")} | {
        "currency": "EUR"}


@blp.get("/lots/<int:lot_id>/advice")
@blp.response(200, AdviceSchema)
def lot_advice(lot_id: int):
    """Whether the lot's area supports reserving it or an insertion clause of some hours,
    with each figure and threshold (for the lot's buyer, meant for drafts)."""
    found = advice.lot_advice(db.session, buyer_lot(lot_id))
    return advice_data(found, str(get_locale() or "fr"))


@blp.get("/procurement/settings")
@blp.response(200, SettingsSchema)
def get_settings():
    """The network's procurement settings: outreach batches, advice thresholds, catalogue."""
    return settings_data(settings(db.session))


@blp.patch("/procurement/settings")
@blp.arguments(SettingsUpdateSchema)
@blp.response(200, SettingsSchema)
def update_settings(data: dict):
    """Change some of the network's procurement settings (network admins)."""
    begin_write(db.session)
    found = advice.update_settings(db.session, data)
    db.session.commit()
    return settings_data(found)


protect(blp, {
    "lot_advice": signed_in,  # the lot's buyer's users and network admins (buyer_lot)
    "get_settings": signed_in,
    "update_settings": network(Role.network_admin),
})
