"""Wire dispatch into the app: tables, API, the admin page, the intake provider, the demo list, the CLI."""

from __future__ import annotations

import logging
import os

from flask import Flask
from sqlalchemy.orm import Session

from dispatch.intake import IntakeDispatcher
from hotline.core.scheduler import register_periodic
from hotline.core.wiring import register_api, register_demo_seeder, register_preloader

SIMILAR_INDEX_SWEEP_SECONDS = 300


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def seed_responsibility_list(session: Session) -> dict:
    """Demo seeder: load the demo list and make sure the system dispatcher exists."""
    from dispatch.ruleset import load_demo_rules
    from dispatch.services import invalidate_caches, system_dispatcher

    invalidate_caches()
    rules = load_demo_rules(session)
    system_dispatcher(session)
    return {"rules": rules}


def init_app(app: Flask) -> IntakeDispatcher:
    """Register dispatch's API, admin page, demo seeder and commands; return intake's dispatcher for the factory."""
    import dispatch.models  # noqa: F401  (tables on the metadata)
    from dispatch.cli import dispatch_cli
    from dispatch.pages import pages
    from dispatch.views import bp

    app.config.setdefault("HOTLINE_GAZETTEER", os.environ.get("HOTLINE_GAZETTEER") or None)
    app.config.setdefault("HOTLINE_AUTO_DISPATCH", _env_flag("HOTLINE_AUTO_DISPATCH", False))
    app.config.setdefault(
        "HOTLINE_AUTO_DISPATCH_CONFIDENCE", float(os.environ.get("HOTLINE_AUTO_DISPATCH_CONFIDENCE") or 0.9)
    )
    register_api(app, bp)
    app.register_blueprint(pages)
    register_demo_seeder(app, "responsibility_list", seed_responsibility_list)
    app.cli.add_command(dispatch_cli)
    register_preloader(app, "dispatch", lambda: _preload(app))
    register_periodic(app, "dispatch.tasks:maintain_similar_index", every_seconds=SIMILAR_INDEX_SWEEP_SECONDS)
    return IntakeDispatcher()


def _preload(app: Flask) -> None:
    """Build the address matcher and RuleBook before serving, so the first intake does not pay for them."""
    from dispatch.ruleset import current_rulebook
    from dispatch.services import address_matcher
    from dispatch.similar_index import idf_table
    from hotline.core.extensions import db

    with app.app_context():
        try:
            address_matcher(db.session)
            current_rulebook(db.session)
            idf_table(db.session)
        except Exception:  # an unmigrated database must not stop the server; the first request builds them
            logging.getLogger(__name__).exception("dispatch preload failed")
        finally:
            db.session.remove()
