"""Wire the admin pages in."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin pages (users, units and grids, time limits, categories, models, ledger, audit)."""
    import hotline.core.audit  # noqa: F401  (the admin_changes table on the metadata)
    from hotline.admin import pages

    app.register_blueprint(pages.bp)
