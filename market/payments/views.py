"""Pages of euro top-ups: pick an account and an amount, then pay on the top-up's page with
Stripe's Payment Element; the page tells plainly when Stripe.js cannot load.

The top-up's page alone lets Stripe's script, frames and API in (its own
Content-Security-Policy); every other page keeps the site's strict one.
"""

import secrets

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField

from market.payments import gateway, topups
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web import navigation
from market.web.access import protect
from market.web.errors import AppError, ValidationError
from market.web.headers import CONTENT_SECURITY_POLICY
from market.web.path_ids import ROW_ID

bp = Blueprint("payments", __name__, url_prefix="/paiements")
ID = ROW_ID
#: The site's policy, opened to Stripe.js (script, its frames, its API) on this page only.
STRIPE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' https://js.stripe.com https://*.js.stripe.com"
).replace(
    "connect-src 'self'", "connect-src 'self' https://api.stripe.com"
) + "; frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com"
#: Wallets (Apple Pay, Google Pay) in Stripe's frame need the Payment Request API.
STRIPE_PERMISSIONS = ('camera=(), microphone=(), geolocation=(), '
                      'payment=(self "https://js.stripe.com")')


def N_(message: str) -> str:
    """Mark ``message`` for extraction; navigation translates it when rendering."""
    return message


navigation.add_link(N_("Recharges"), "payments.topups_page", topups.sees_topups)


class TopUpForm(FlaskForm):
    """Which account to top up, and by how much (in that account's currency)."""

    request_key = HiddenField()
    account = SelectField(_l("Compte à recharger"), validate_choice=False)
    amount = StringField(_l("Montant (dans la monnaie du compte, par exemple 25.00)"))


def account_choices() -> list[tuple[str, str]]:
    accounts = topups.rechargeable_accounts(db.session, current_user.member_ids(*topups.TOPPERS))
    return [(str(a["id"]), f"{a['name']} ({a['currency']})") for a in accounts]


def render_list(form: TopUpForm, status: int = 200):
    mine = current_user.member_ids(*topups.TOPPERS, acting="read")
    rows = topups.topups_of(db.session, mine)
    scales = {code: topups.scale_of(db.session, code) for code in {t.currency for t in rows}}
    return render_template("payments/topups.html", form=form,
                           topups=[topups.topup_data(t, scales[t.currency]) for t in rows]
                           ), status


@bp.get("/recharges")
def topups_page():
    """The form of a new top-up and the latest ones."""
    form = TopUpForm(request_key=secrets.token_urlsafe(24))
    form.account.choices = account_choices()
    return render_list(form)


@bp.post("/recharges")
def create():
    """Start a top-up from the form, then go to its page to pay it (the same form sent
    twice leads to the same top-up)."""
    form = TopUpForm()
    form.account.choices = account_choices()
    if not form.validate_on_submit():
        return render_list(form, 422)
    key = form.request_key.data or ""
    if not 16 <= len(key) <= 64:
        form.form_errors.append(_("Ce formulaire n'est plus valable : rechargez la page."))
        return render_list(form, 422)
    reference = topups.reference_for(current_user.id, f"form:{key}")
    if (done := topups.by_reference(db.session, reference)) is not None:
        return redirect(url_for(".topup_page", topup_id=done.id))
    raw = (form.account.data or "").strip()
    try:
        plan = topups.plan(db.session, current_user.member_ids(*topups.TOPPERS),
                           int(raw) if raw.isdigit() and len(raw) < 12 else 0,
                           (form.amount.data or "").strip(), reference=reference)
        intent = gateway.of_app(current_app).create_intent(reference, plan.euro_cents,
                                                           topups.metadata(plan))
    except ValidationError as error:
        form.account.errors = list(error.fields.get("account", []))
        return render_list(form, 422)
    except AppError as error:
        target = form.amount if error.details.get("field") == "amount" else form.account
        target.errors = [error.message]
        return render_list(form, 422 if error.status < 500 else error.status)
    begin_write(db.session)
    made = topups.record(db.session, plan, intent.id, intent.client_secret, current_user.id)
    db.session.commit()
    return redirect(url_for(".topup_page", topup_id=made.id))


@bp.get(f"/recharges/<{ID}:topup_id>")
def topup_page(topup_id: int):
    """A top-up: where it stands and, while payable, Stripe's Payment Element."""
    topup = topups.get_topup(db.session, topup_id,
                             current_user.member_ids(*topups.TOPPERS, acting="read"))
    data = topups.topup_data(topup, topups.scale_of(db.session, topup.currency))
    page = render_template("payments/topup.html", topup=data,
                           publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
                           return_url=url_for(".topup_page", topup_id=topup.id,
                                              _external=True))
    response = current_app.make_response(page)
    response.headers["Content-Security-Policy"] = STRIPE_POLICY
    response.headers["Permissions-Policy"] = STRIPE_PERMISSIONS
    return response


protect(bp, {
    "topups_page": topups.sees_topups,
    "create": topups.tops_up,  # the caller's members' own accounts only (topups.plan)
    "topup_page": topups.sees_topups,  # the caller's members' only (topups.get_topup)
})
