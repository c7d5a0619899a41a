"""Wire attachments into the app: tables, configuration, the API and the citizens' file links."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from hotline.attachments import models  # noqa: F401  (registers the tables)
from hotline.attachments.storage import BACKENDS
from hotline.core.wiring import register_api

MB = 1024 * 1024


def init_app(app: Flask) -> None:
    """Read the storage choice and limits, register the blueprints."""
    from hotline.attachments import views

    env = os.environ.get
    app.config.setdefault("HOTLINE_ATTACHMENT_STORAGE", env("HOTLINE_ATTACHMENT_STORAGE") or "database")
    app.config.setdefault(
        "HOTLINE_ATTACHMENT_DIR", env("HOTLINE_ATTACHMENT_DIR") or str(Path(app.instance_path) / "attachments")
    )
    app.config.setdefault("HOTLINE_ATTACHMENT_MAX_BYTES", int(env("HOTLINE_ATTACHMENT_MAX_MB") or 20) * MB)
    app.config.setdefault("HOTLINE_ATTACHMENT_MAX_COUNT", int(env("HOTLINE_ATTACHMENT_MAX_COUNT") or 20))
    app.config.setdefault("HOTLINE_ATTACHMENT_MAX_TOTAL_BYTES", int(env("HOTLINE_ATTACHMENT_MAX_TOTAL_MB") or 200) * MB)
    app.config.setdefault("HOTLINE_PORTAL_MAX_FILES", int(env("HOTLINE_PORTAL_MAX_FILES") or 3))
    app.config.setdefault("HOTLINE_MEDIA_FETCH_ALLOW_PRIVATE", env("HOTLINE_MEDIA_FETCH_ALLOW_PRIVATE") == "1")
    if app.config["HOTLINE_ATTACHMENT_STORAGE"] not in BACKENDS:
        raise RuntimeError(f"HOTLINE_ATTACHMENT_STORAGE must be one of {BACKENDS}")
    register_api(app, views.api)
    app.register_blueprint(views.files)
