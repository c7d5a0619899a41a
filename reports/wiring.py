"""Wire the reports package into the app: models, API, pages, CLI."""

from __future__ import annotations

from flask import Flask

from hotline.core.wiring import register_api


def init_app(app: Flask) -> None:
    """Register the reports API and pages and the ``flask reports`` commands."""
    import reports.models  # noqa: F401  (tables on the metadata)
    from reports.cli import reports_cli
    from reports.views import api, pages

    app.config.setdefault("REPORTS_RANK_MIN_SAMPLE", 10)
    register_api(app, api)
    app.register_blueprint(pages)
    app.cli.add_command(reports_cli)
