"""Web pages: sign in and out, sign up, account (password, API tokens), language."""

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from market.auth import membership, services, sessions, signin
from market.auth.forms import ROLE_LABELS, LoginForm, PasswordForm, SignupForm, TokenForm
from market.auth.redirects import safe_next
from market.auth.tokens import ID_CONVERTER
from market.members.labels import STATUSES
from market.members.models import MemberStatus
from market.platform.database import begin_write
from market.platform.extensions import db
from market.platform.time import now_utc
from market.web.access import protect, public, signed_in
from market.web.errors import ValidationError

bp = Blueprint("auth", __name__)


def show_field_errors(form, exc: ValidationError) -> None:
    """Attach a service's field messages to the form's fields (or to the form itself)."""
    for name, messages in exc.fields.items():
        field = form._fields.get(name)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):  # WTForms keeps a tuple until the field is validated
            target = field.errors = list(target)
        target.extend(messages)


def fresh_session() -> None:
    """Start the browser's session afresh (a new CSRF token), keeping only its language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user) -> None:
    """Sign ``user`` in on this browser, in a session of its own that the server knows, and
    say so if one of their members still waits."""
    begin_write(db.session)
    sid = sessions.open_session(db.session, user)
    db.session.commit()
    fresh_session()
    session[sessions.KEY] = sid
    session.permanent = True
    login_user(user)
    for _role, member in membership.memberships(db.session, user):
        if member is not None and member.status == MemberStatus.pending:
            flash(_("L'adhésion de %(name)s attend la validation d'un administrateur du "
                    "réseau.", name=member.name), "info")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; go back to ``next`` when it is a local page."""
    form = LoginForm()
    status, headers = (422 if form.is_submitted() else 200), {}
    if form.validate_on_submit():
        db.session.rollback()  # each of the two use cases below starts its own transaction
        begin_write(db.session)
        try:
            attempt = signin.start_login(
                db.session, form.email.data, request.remote_addr or "",
                max_attempts=current_app.config["LOGIN_MAX_ATTEMPTS"],
                window_seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
            db.session.commit()  # counted before the password is even looked at
            begin_write(db.session)
            user = signin.finish_login(db.session, attempt, form.password.data)
        except signin.TooManyAttempts as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        except signin.InvalidCredentials as exc:
            db.session.commit()  # the failure stays counted, and recorded
            form.form_errors.append(exc.message)
            status = 401
        else:
            db.session.commit()
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("auth.account"))
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
def logout():
    """Sign out (POST with a CSRF token, so another site cannot sign people out): the
    session ends for good, even for a copy of its cookie."""
    begin_write(db.session)
    sessions.end_session(db.session, session.get(sessions.KEY))
    db.session.commit()
    logout_user()
    fresh_session()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("members.directory"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Ask for a new organisation to join; it waits for a network admin's approval."""
    form = SignupForm()
    if form.validate_on_submit():
        fields = {name: form[name].data or "" for name in (
            "organisation", "siret", "legal_form", "inclusion_kind", "postcode", "city",
            "contact_name", "email", "password")}
        db.session.rollback()  # each of the two use cases below starts its own transaction
        begin_write(db.session)
        try:
            membership.count_sign_up(db.session, fields["email"], request.remote_addr or "",
                                     current_app.config)
            db.session.commit()  # counted whatever the form turns out to be worth
            begin_write(db.session)
            _member, user = membership.sign_up_member(db.session, membership.SignUp(**fields))
        except membership.TooManySignUps as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return (render_template("auth/signup.html", form=form), 429,
                    {"Retry-After": str(exc.retry_after)})
        except ValidationError as exc:
            db.session.rollback()
            show_field_errors(form, exc)
        else:
            db.session.commit()
            start_session(user)
            return redirect(url_for("auth.account"))
    return render_template("auth/signup.html", form=form), 422 if form.errors else 200


def render_account(password_form=None, token_form=None, new_token=None, status=200):
    """Render the account page with the given forms (fresh ones by default)."""
    user = current_user._get_current_object()
    page = render_template(
        "auth/account.html", user=user, role_labels=ROLE_LABELS, status_labels=STATUSES,
        memberships=membership.memberships(db.session, user),
        tokens=services.live_tokens(db.session, user),
        password_form=password_form or PasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None), new_token=new_token)
    # The page may hold a token in clear: keep it out of every cache.
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/account")
def account():
    """Show the user's roles and memberships, password form and API tokens."""
    return render_account()


@bp.post("/account/password")
def change_password():
    """Change one's password; every other session of this user ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        begin_write(db.session)
        user = current_user._get_current_object()
        try:
            services.change_password(db.session, user, form.current_password.data,
                                     form.new_password.data)
        except ValidationError as exc:
            db.session.rollback()
            show_field_errors(form, exc)
        else:
            db.session.commit()
            start_session(user)  # this browser stays signed in, in a new session
            flash(_("Mot de passe modifié. Vos autres sessions sont fermées et vos jetons "
                    "d'API révoqués."), "info")
            return redirect(url_for("auth.account"))
    return render_account(password_form=form, status=422)


@bp.post("/account/tokens")
def create_token():
    """Create an API token and show it once, on this response only."""
    form = TokenForm()
    if form.validate_on_submit():
        begin_write(db.session)
        days = form.lifetime.data
        expires_at = now_utc() + timedelta(days=int(days)) if days else None
        try:
            _token, plaintext = services.create_token(
                db.session, current_user, form.name.data, expires_at,
                can_create_tokens=form.can_create_tokens.data)
        except ValidationError as exc:
            db.session.rollback()
            show_field_errors(form, exc)
        else:
            db.session.commit()
            return render_account(new_token=plaintext)
    return render_account(token_form=form, status=422)


@bp.post(f"/account/tokens/<{ID_CONVERTER}:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of one's own API tokens."""
    begin_write(db.session)
    services.revoke_token(db.session, current_user, token_id)
    db.session.commit()
    flash(_("Le jeton est révoqué : il ne permet plus d'appeler l'API."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/language")
def set_language():
    """Remember the chosen interface language and go back where the user was."""
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or "/")


protect(bp, {
    "login": public, "logout": signed_in, "signup": public, "account": signed_in,
    "change_password": signed_in, "create_token": signed_in, "revoke_token": signed_in,
    "set_language": public,
})
