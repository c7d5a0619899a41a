"""Wire the escalation ladder into the app: tables, API, the periodic sweep."""

from __future__ import annotations

from flask import Flask

from hotline.core.scheduler import register_periodic
from hotline.core.wiring import register_api


def init_app(app: Flask) -> None:
    """Register the ladder's API and its sweep (as often as the warning sweep)."""
    import hotline.escalation.models  # noqa: F401  (tables on the metadata)
    from hotline.escalation.views import bp

    register_api(app, bp)
    register_periodic(
        app, "hotline.escalation.tasks:sweep", every_seconds=app.config["HOTLINE_WARNING_INTERVAL_SECONDS"]
    )
