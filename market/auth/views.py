"""Web pages: sign in and out, sign up, account, language (filled in by the auth work)."""

from flask import Blueprint, redirect, request, session, url_for

from market.auth.access import protect, public, signed_in

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login():
    return "login"


@bp.post("/logout")
def logout():
    return redirect(url_for("members.directory"))


@bp.get("/signup")
def signup():
    return "signup"


@bp.get("/account")
def account():
    return "account"


@bp.post("/language")
def set_language():
    """Remember the chosen interface language and go back where the user was."""
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["lang"] = lang
    target = request.form.get("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)


protect(bp, {"login": public, "logout": signed_in, "signup": public, "account": signed_in,
             "set_language": public})
