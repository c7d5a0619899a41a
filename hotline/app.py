"""The app factory: the only module that imports every package and wires them together."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from hotline.core import health
from hotline.core.config import check_settings, load_config
from hotline.core.errors import register_error_handlers
from hotline.core.extensions import csrf, db, migrate, socketio
from hotline.core.logs import configure_logging
from hotline.core.navigation import nav_entries
from hotline.core.scheduler import register_periodic
from hotline.core.security import register_security_headers, secure_session_cookie, trust_proxies
from hotline.core.validation import register_input_hygiene

if TYPE_CHECKING:
    from dispatch.intake import IntakeDispatcher
    from hotline.classification.wiring import IntakeClassifier

MIGRATIONS_DIR = str(Path(__file__).resolve().parents[1] / "migrations")

# Each domain package wires itself in (models, blueprints, suggestion providers, demo seeders, CLI)
# through its ``wiring.init_app``; this list is the only place that names them all.
PACKAGES = (
    "hotline.categories.wiring",
    "hotline.open311.wiring",
    "hotline.classification.wiring",
    "hotline.console.wiring",
    "hotline.escalation.wiring",
    "hotline.enterprise.wiring",
    "dispatch.wiring",
    "reports.wiring",
    "knowledge.wiring",
    "hotline.attachments.wiring",
    "hotline.sms.wiring",
    "hotline.exchange.wiring",
    "hotline.search.wiring",
    "hotline.admin.wiring",
    "hotline.callbacks.wiring",
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    check_settings(app.config)
    register_input_hygiene(app)  # first: the bounded int converter must exist before any route is added
    configure_logging()

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    socketio.init_app(
        app,
        message_queue=app.config["REDIS_URL"],
        async_mode=app.config["HOTLINE_ASYNC_MODE"],
        cors_allowed_origins=[],
        manage_session=False,
    )
    register_error_handlers(app)
    # Every page's header names the user's role in Chinese, whichever view rendered it.
    from hotline.auth.roles import ROLE_NAMES

    app.jinja_env.globals["ROLE_NAMES"] = ROLE_NAMES
    app.jinja_env.globals["nav_entries"] = nav_entries
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    register_security_headers(app)
    secure_session_cookie(app)
    trust_proxies(app)
    _register_models()
    _register_blueprints(app)
    _register_cli(app)
    health.init_app(app, health.HealthAccess(is_admin=_caller_is_admin))
    register_periodic(
        app, "hotline.tickets.tasks:recompute_warnings", every_seconds=app.config["HOTLINE_WARNING_INTERVAL_SECONDS"]
    )
    # ``init_app`` of the classifier and dispatch returns what they offer intake; the rest return None.
    offered = {dotted: importlib.import_module(dotted).init_app(app) for dotted in PACKAGES}
    _bind_seams(app, offered["hotline.classification.wiring"], offered["dispatch.wiring"])

    if app.config.get("HOTLINE_COUNT_SQL"):
        from hotline.core import sql_count

        with app.app_context():
            sql_count.enable(app)

    @app.teardown_appcontext
    def _forget_deferred(_exc: BaseException | None) -> None:
        db.session.info.pop("hotline.deferred", None)

    return app


def _caller_is_admin() -> bool:
    from hotline.auth.api import current_user
    from hotline.auth.roles import Role

    user = current_user()
    return user is not None and user.role == Role.ADMIN.value


def _bind_seams(app: Flask, classifier: IntakeClassifier, dispatcher: IntakeDispatcher) -> None:
    """Bind what intake, dispatch, health and the console call across packages (typed seams, once per app)."""
    from dispatch.services import CLASSIFY, address_matcher
    from hotline.console.fill import bind_gazetteer
    from hotline.core.health import MODEL_VERSION
    from hotline.intake.seams import INTAKE, IntakeSeams
    from knowledge.wiring import suggest_for_ticket

    INTAKE.bind(
        app, IntakeSeams(classifier=classifier, dispatcher=dispatcher, suggesters={"knowledge": suggest_for_ticket})
    )
    CLASSIFY.bind(app, classifier.classify_text)
    MODEL_VERSION.bind(app, classifier.model_version)
    # 智能填单 (console) resolves addresses through dispatch's gazetteer matcher. No preloader: the filler's
    # tokenizer copies the classifier's (loaded at start-up when a model is active).
    bind_gazetteer(app, address_matcher)


def _favicon():
    from flask import current_app, send_from_directory

    return send_from_directory(
        current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )


def _register_models() -> None:
    # Importing the models registers their tables on the metadata (for Alembic and relationships).
    import hotline.auth.models
    import hotline.tickets.models
    import hotline.units.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from hotline.auth import page_views as auth_page_views
    from hotline.auth import views as auth_views
    from hotline.core.openapi import bp as openapi_bp
    from hotline.intake import views as intake_views
    from hotline.tickets import admin_views as ticket_admin_views
    from hotline.tickets import views as ticket_views
    from hotline.units import views as unit_views

    for blueprint in (
        auth_views.api,
        unit_views.bp,
        intake_views.bp,
        ticket_views.bp,
        ticket_admin_views.bp,
        health.bp,
        openapi_bp,
    ):
        csrf.exempt(blueprint)  # bearer-token APIs are not exposed to cross-site form posts
        app.register_blueprint(blueprint)
    app.register_blueprint(auth_page_views.pages)
    app.register_blueprint(auth_page_views.account)
    from hotline.tickets import pages as ticket_pages

    app.register_blueprint(ticket_pages.bp)


def _register_cli(app: Flask) -> None:
    from hotline.cli import hotline_cli

    app.cli.add_command(hotline_cli)
