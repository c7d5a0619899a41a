"""Wire the category tree into the app: its API and the demo taxonomy."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.orm import Session

from hotline.categories import models  # noqa: F401  (registers the table)
from hotline.categories.services import load_taxonomy
from hotline.categories.views import bp
from hotline.core.wiring import register_api, register_demo_seeder


def _seed_taxonomy(session: Session) -> int:
    return load_taxonomy(session, Path(current_app.config["HOTLINE_DATA_DIR"]) / "taxonomy.csv")


def init_app(app: Flask) -> None:
    """Register the categories API and the demo taxonomy seeder."""
    register_api(app, bp)
    register_demo_seeder(app, "categories", _seed_taxonomy)
