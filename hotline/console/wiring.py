"""Wire the pages and live console into the app."""

from __future__ import annotations

import os

from flask import Flask

from hotline.core.extensions import socketio
from hotline.core.wiring import register_api


def init_app(app: Flask) -> None:
    """Register the console's pages and socket handlers."""
    import hotline.console.seats  # noqa: F401  (tables on the metadata)
    from hotline.console import api, portal, sockets, views
    from hotline.tickets import display

    # The switchboard's shared secret (X-CTI-Token); without it only agent/admin bearer tokens may post calls.
    app.config.setdefault("HOTLINE_CTI_TOKEN", os.environ.get("HOTLINE_CTI_TOKEN") or None)
    # The IVR keys and switch queues that mark a call 涉企 (鞍山's 1号键 → the 营商环境专席).
    app.config.setdefault(
        "HOTLINE_CTI_ENTERPRISE_DIGITS", tuple((os.environ.get("HOTLINE_CTI_ENTERPRISE_DIGITS") or "1").split(","))
    )
    app.config.setdefault("HOTLINE_CTI_ENTERPRISE_QUEUES", ("business_env", "enterprise"))
    app.config.setdefault("HOTLINE_PORTAL_RATE", int(os.environ.get("HOTLINE_PORTAL_RATE") or 10))
    app.add_template_filter(display.local_time, "local_time")
    app.add_template_global(display.current_due, "current_due")
    register_api(app, api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(portal.bp)
    sockets.register_handlers(socketio)
