"""Wire 智能回访 by link: the table, the page ``/r/<token>``, the approval listener, the timeout job."""

from __future__ import annotations

import os

from flask import Flask, current_app, has_request_context, request
from sqlalchemy.orm import Session

from hotline.core.scheduler import register_periodic
from hotline.tickets.lifecycle import StateChange, bind_state_change_listener


def settings():
    """Return the link settings of the current app (the portal's host: ``HOTLINE_PORTAL_BASE_URL``, else the
    host of the request that approved the reply)."""
    from hotline.callbacks.services import LinkSettings

    base = current_app.config["HOTLINE_PORTAL_BASE_URL"]
    if not base:
        base = request.host_url if has_request_context() else "http://127.0.0.1:5000/"
    return LinkSettings(base_url=base, wait_hours=current_app.config["HOTLINE_CALLBACK_LINK_WAIT_HOURS"])


def _listener(session: Session, change: StateChange) -> None:
    from hotline.callbacks.services import on_state_change

    on_state_change(session, change, settings())


def init_app(app: Flask) -> None:
    import hotline.callbacks.models  # noqa: F401  (the table on the metadata)
    from hotline.callbacks import views

    env = os.environ.get
    # Hours a link waits for the citizen before the ticket goes back to the agents' 回访 queue (never past
    # the callback window, when the link expires anyway).
    app.config.setdefault("HOTLINE_CALLBACK_LINK_WAIT_HOURS", float(env("HOTLINE_CALLBACK_LINK_WAIT_HOURS") or 48))
    # The citizens' portal as the phone reaches it, e.g. https://12345.example.gov.cn (the SMS links to it).
    app.config.setdefault("HOTLINE_PORTAL_BASE_URL", env("HOTLINE_PORTAL_BASE_URL") or "")
    app.config.setdefault("HOTLINE_CALLBACK_LINK_SWEEP_SECONDS", int(env("HOTLINE_CALLBACK_LINK_SWEEP_SECONDS") or 300))
    app.register_blueprint(views.bp)
    bind_state_change_listener(_listener)
    register_periodic(
        app,
        "hotline.callbacks.tasks:return_unanswered_links",
        every_seconds=app.config["HOTLINE_CALLBACK_LINK_SWEEP_SECONDS"],
    )
