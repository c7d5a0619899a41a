"""Wire the 涉企 records into the app: tables and the API."""

from __future__ import annotations

from flask import Flask

from hotline.core.wiring import register_api


def init_app(app: Flask) -> None:
    """Register the enterprise tables and API."""
    import hotline.enterprise.models  # noqa: F401  (tables on the metadata)
    from hotline.enterprise.views import bp

    register_api(app, bp)
