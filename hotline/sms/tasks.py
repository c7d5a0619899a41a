"""SMS jobs: send one delivery, and (periodically) the deliveries whose retry is due."""

from __future__ import annotations

from flask import current_app

from hotline.core import clock
from hotline.core.effects import commit, defer
from hotline.core.extensions import db
from hotline.sms import services
from hotline.sms.sender import client_from, limiter_from, settings_from


def send_sms(delivery_id: int) -> str | None:
    """Try one delivery now."""
    app = current_app._get_current_object()
    status = services.attempt_delivery(db.session, delivery_id, client_from(app), limiter_from(app), settings_from(app))
    commit(db.session)
    return status


def retry_due() -> int:
    """Queue every delivery whose backoff (or rate-limit wait) is over."""
    ids = services.due_deliveries(db.session, clock.now())
    for delivery_id in ids:
        defer(db.session, "hotline.sms.tasks:send_sms", delivery_id)
    commit(db.session)
    return len(ids)
