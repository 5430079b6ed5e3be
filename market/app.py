"""The application factory: configuration, extensions, blueprints, error handlers, CLI."""

import os

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from market.auth import models as auth_models  # noqa: F401  (every table known)
from market.currencies import clearing_models, programme_models, share_models  # noqa: F401
from market.currencies import models as currencies_models  # noqa: F401
from market.members import models as members_models  # noqa: F401
from market.notifications import models as notifications_models  # noqa: F401
from market.offers import models as offers_models  # noqa: F401
from market.orders import models as orders_models  # noqa: F401
from market.payments import models as payments_models  # noqa: F401
from market.payments import redemption_models  # noqa: F401
from market.platform import (
    connection,
    database,  # noqa: F401  (engine events)
)
from market.platform.config import ROOT, from_environ
from market.platform.extensions import babel, csrf, db, login_manager, migrate
from market.procurement import contract_models, outreach_models  # noqa: F401
from market.procurement import models as procurement_models  # noqa: F401
from market.web import jsonbody
from market.web.errors import register_error_handlers
from market.web.jsonapi import api
from market.web.sessions import CookieSessionInterface

SUPPORTED_LOCALES = ("fr", "en")


def select_locale() -> str:
    """French unless the user chose English; API callers may ask with Accept-Language."""
    if not has_request_context():
        return "fr"  # CLI commands run outside any request
    chosen = session.get("lang")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(SUPPORTED_LOCALES, default="fr")
    return "fr"


def create_app(config: object | None = None) -> Flask:
    """Build a configured Intercoop application."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    config = config or from_environ(os.environ)
    app.config.from_object(config)
    config.check()
    app.session_interface = CookieSessionInterface()
    app.json = jsonbody.Provider(app)
    if hops := app.config["PROXY_FIX_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    app.jinja_env.globals["get_locale"] = get_locale
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this application."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    postgres = uri.startswith("postgresql")
    if postgres:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": app.config["DATABASE_POOL_SIZE"],
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    if postgres and app.config["API_CALLER_CACHE_SECONDS"] > 0:
        from market.auth.callers import CallerCache

        url = make_url(uri).set(drivername="postgresql")
        app.extensions["api_callers"] = CallerCache(url.render_as_string(hide_password=False),
                                                    app.config["API_CALLER_CACHE_SECONDS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    api.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the web pages and the JSON API of every domain."""
    from market.auth import admin as auth_admin
    from market.auth import api as auth_api
    from market.auth import loaders
    from market.auth import views as auth_views
    from market.currencies import api as currencies_api
    from market.currencies import (
        clearing_api,
        clearing_views,
        programme_api,
        share_api,
        share_views,
    )
    from market.currencies import views as currencies_views
    from market.members import api as members_api
    from market.members import views as members_views
    from market.notifications import api as notifications_api
    from market.notifications import views as notifications_views
    from market.offers import api as offers_api
    from market.offers import community_api, community_views
    from market.offers import views as offers_views
    from market.orders import api as orders_api
    from market.orders import references_api
    from market.orders import views as orders_views
    from market.payments import api as payments_api
    from market.payments import redemption_api as payments_redemption_api
    from market.payments import redemption_views
    from market.payments import views as payments_views
    from market.payments import webhook as payments_webhook
    from market.procurement import advice_api as procurement_advice_api
    from market.procurement import api as procurement_api
    from market.procurement import bid_views as procurement_bid_views
    from market.procurement import bids_api as procurement_bids_api
    from market.procurement import catalogue_api as procurement_catalogue_api
    from market.procurement import catalogue_views as procurement_catalogue_views
    from market.procurement import contract_views as procurement_contract_views
    from market.procurement import grouping_views as procurement_grouping_views
    from market.procurement import groupings_api as procurement_groupings_api
    from market.procurement import hours_api as procurement_hours_api
    from market.procurement import hours_views as procurement_hours_views
    from market.procurement import opportunities_api as procurement_opportunities_api
    from market.procurement import opportunity_views as procurement_opportunity_views
    from market.procurement import tender_views as procurement_tender_views
    from market.procurement import views as procurement_views
    from market.procurement import writing_api as procurement_writing_api
    from market.treasury import api as treasury_api
    from market.treasury import views as treasury_views
    from market.web import csrf as csrf_check
    from market.web import headers, health, navigation, proxies, text_input

    loaders.init_app(app)
    connection.init_app(app)
    csrf_check.init_app(app)
    navigation.init_app(app)
    proxies.init_app(app)
    headers.init_app(app)
    text_input.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(auth_admin.bp)
    app.register_blueprint(members_views.bp)
    app.register_blueprint(treasury_views.bp)
    app.register_blueprint(notifications_views.bp)
    app.register_blueprint(offers_views.bp)
    app.register_blueprint(orders_views.bp)
    app.register_blueprint(community_views.bp)
    app.register_blueprint(procurement_views.bp)
    app.register_blueprint(procurement_tender_views.bp)
    app.register_blueprint(procurement_contract_views.bp)
    app.register_blueprint(procurement_grouping_views.bp)
    app.register_blueprint(procurement_bid_views.bp)
    app.register_blueprint(procurement_hours_views.bp)
    app.register_blueprint(procurement_catalogue_views.bp)
    app.register_blueprint(procurement_opportunity_views.bp)
    app.register_blueprint(currencies_views.bp)
    app.register_blueprint(share_views.bp)
    app.register_blueprint(clearing_views.bp)
    app.register_blueprint(payments_views.bp)
    app.register_blueprint(redemption_views.bp)
    app.register_blueprint(payments_webhook.bp)
    api.register_blueprint(auth_api.blp)
    api.register_blueprint(members_api.blp)
    api.register_blueprint(treasury_api.blp)
    api.register_blueprint(notifications_api.blp)
    api.register_blueprint(offers_api.blp)
    api.register_blueprint(orders_api.blp)
    api.register_blueprint(references_api.blp)
    api.register_blueprint(community_api.blp)
    api.register_blueprint(procurement_api.blp)
    api.register_blueprint(procurement_bids_api.blp)
    api.register_blueprint(procurement_writing_api.blp)
    api.register_blueprint(procurement_advice_api.blp)
    api.register_blueprint(procurement_catalogue_api.blp)
    api.register_blueprint(procurement_hours_api.blp)
    api.register_blueprint(procurement_groupings_api.blp)
    api.register_blueprint(procurement_opportunities_api.blp)
    api.register_blueprint(currencies_api.blp)
    api.register_blueprint(share_api.blp)
    api.register_blueprint(programme_api.blp)
    api.register_blueprint(clearing_api.blp)
    api.register_blueprint(payments_api.blp)
    api.register_blueprint(payments_redemption_api.blp)


def register_commands(app: Flask) -> None:
    """Add the `flask` sub-commands of CONVENTIONS.md."""
    from market.auth.cli import users_cli
    from market.currencies.cli import currency_cli
    from market.demo.cli import seed_demo_command
    from market.notifications.cli import notifications_cli
    from market.offers.cli import offers_cli
    from market.orders.cli import orders_cli
    from market.procurement.cli import procurement_cli, siae_cli
    from market.treasury.cli import ledger_cli

    app.cli.add_command(ledger_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(offers_cli)
    app.cli.add_command(procurement_cli)
    app.cli.add_command(siae_cli)
    app.cli.add_command(currency_cli)
