"""Helpers a package's ``wiring.init_app`` uses to plug itself into the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy.orm import Session

from hotline.core.extensions import csrf
from hotline.core.seams import Seam

DemoSeeder = Callable[[Session], Any]
Preloader = Callable[[], None]


@dataclass
class StartupHooks:
    """What the packages add to start-up: demo seeders (``flask hotline seed-demo``) and warm-up preloaders."""

    demo_seeders: dict[str, DemoSeeder] = field(default_factory=dict)
    preloaders: dict[str, Preloader] = field(default_factory=dict)


STARTUP: Seam[StartupHooks] = Seam("startup")


def startup_hooks(app: Flask | None = None) -> StartupHooks:
    """Return the app's start-up hooks (created on first use)."""
    from flask import current_app

    target = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    if not STARTUP.is_bound(target):
        STARTUP.bind(target, StartupHooks())
    return STARTUP.get(target)


def register_api(app: Flask, blueprint: Blueprint) -> None:
    """Register a JSON API blueprint (bearer tokens, so exempt from form CSRF)."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)


def register_demo_seeder(app: Flask, name: str, seeder: DemoSeeder) -> None:
    """Add a step to ``flask hotline seed-demo``: ``seeder(session) -> summary``; runs in registration order."""
    startup_hooks(app).demo_seeders[name] = seeder


def register_preloader(app: Flask, name: str, preload: Preloader) -> None:
    """Have ``preload()`` run (in an app context) before a server or worker takes its first request or job."""
    startup_hooks(app).preloaders[name] = preload


def run_preloaders(app: Flask) -> None:
    """Warm every registered cache (the model, the address matcher) before serving."""
    for preload in startup_hooks(app).preloaders.values():
        preload()
