"""Helpers a package's ``wiring.init_app`` uses to plug itself into the app."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask

from hotline.core.extensions import csrf


def register_api(app: Flask, blueprint: Blueprint) -> None:
    """Register a JSON API blueprint (bearer tokens, so exempt from form CSRF)."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)


def register_demo_seeder(app: Flask, name: str, seeder: Callable) -> None:
    """Add a step to ``flask hotline seed-demo``: ``seeder(session) -> summary``; runs in registration order."""
    app.extensions.setdefault("hotline.demo_seeders", {})[name] = seeder
