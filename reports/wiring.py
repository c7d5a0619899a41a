"""Wire the reports package into the app: models, API, pages, CLI."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from hotline.core.scheduler import register_periodic
from hotline.core.wiring import register_api, register_demo_seeder


def init_app(app: Flask) -> None:
    """Register the reports API and pages and the ``flask reports`` commands."""
    import reports.assessment.models
    import reports.models  # noqa: F401  (tables on the metadata)
    from reports.assessment import views as assessment_views
    from reports.assessment.tasks import seed_demo_schemes
    from reports.cli import reports_cli
    from reports.enterprise import views as enterprise_views
    from reports.views import api, pages

    app.config.setdefault("REPORTS_RANK_MIN_SAMPLE", 10)
    register_api(app, api)
    app.register_blueprint(pages)
    register_api(app, assessment_views.api)
    app.register_blueprint(assessment_views.pages)
    register_demo_seeder(app, "assessment_schemes", seed_demo_schemes)
    register_api(app, enterprise_views.api)
    app.cli.add_command(reports_cli)
    register_periodic(app, "reports.tasks:scheduled_summary", "daily", daily_at=dt.time(6, 0))
    register_periodic(app, "reports.tasks:scheduled_summary", "weekly", daily_at=dt.time(6, 10))
    register_periodic(app, "reports.assessment.tasks:close_last_month", daily_at=dt.time(6, 30))
