"""Network administration pages: membership requests waiting for approval."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.auth import membership
from market.auth.access import network
from market.auth.forms import LEGAL_FORMS
from market.auth.roles import Role
from market.auth.tokens import ID_CONVERTER
from market.platform.extensions import db
from market.web import navigation
from market.web.access import protect
from market.web.errors import InvalidState

bp = Blueprint("admin", __name__, url_prefix="/admin")


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Adhésions en attente"), "admin.pending_members",
                    lambda user: user.has_role(Role.network_admin))


@bp.get("/members")
def pending_members():
    """List the organisations waiting for approval, with approve and reject buttons, and for
    each the other sign-ups or members that claim its SIRET."""
    members = membership.pending_members(db.session)
    return render_template("admin/pending_members.html", members=members,
                           claims=membership.other_claims(db.session, members),
                           legal_forms=dict(LEGAL_FORMS))


def decide(action, member_id: int):
    """Apply ``action`` to a pending member; return it, or None after flashing why not."""
    try:
        member = action(db.session, current_user, member_id)
    except InvalidState as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    db.session.commit()
    return member


@bp.post(f"/members/<{ID_CONVERTER}:member_id>/approve")
def approve_member(member_id: int):
    """Accept a pending member into the network."""
    if member := decide(membership.approve_member, member_id):
        flash(_("%(name)s est désormais membre du réseau.", name=member.name), "info")
    return redirect(url_for("admin.pending_members"))


@bp.post(f"/members/<{ID_CONVERTER}:member_id>/reject")
def reject_member(member_id: int):
    """Refuse a pending member's request."""
    if member := decide(membership.reject_member, member_id):
        flash(_("La demande d'adhésion de %(name)s est refusée.", name=member.name), "info")
    return redirect(url_for("admin.pending_members"))


admin_only = network(Role.network_admin)
protect(bp, {"pending_members": admin_only, "approve_member": admin_only,
             "reject_member": admin_only})
