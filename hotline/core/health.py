"""``GET /api/v1/health``: up/down for anyone; database, Redis, queue depth and model version for operators.

The public answer is ``{"status": "ok"|"degraded"}`` (200/503), enough for a load balancer. The details
(which part is down, with the error's class, the dialect, the queue depth) help an attacker as much as an
operator, so they go only to an admin (bearer token or page session) or to a monitor that sends
``X-Health-Token`` equal to ``HOTLINE_HEALTH_TOKEN``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import text

from hotline.core import jobs, outbox
from hotline.core.extensions import db
from hotline.core.seams import Seam

# The active classifier version, as the classification package reports it (bound by the factory).
MODEL_VERSION: Seam[Callable[[], str | None]] = Seam("model_version")

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class HealthAccess:
    """Who may read the details: ``is_admin()`` tells whether the caller is an admin (bound by the factory)."""

    is_admin: Callable[[], bool]


_ACCESS_KEY = "hotline.health_access"


def init_app(app: Flask, access: HealthAccess) -> None:
    """Bind who may see the details."""
    app.extensions[_ACCESS_KEY] = access


def _may_see_details() -> bool:
    token = current_app.config.get("HOTLINE_HEALTH_TOKEN")
    sent = request.headers.get("X-Health-Token")
    if token and sent and secrets.compare_digest(token.encode(), sent.encode()):
        return True
    access: HealthAccess | None = current_app.extensions.get(_ACCESS_KEY)
    return access is not None and access.is_admin()


def check_parts() -> dict:
    """Return the state of each part the app depends on."""
    checks: dict = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # health must answer even when a part is down
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    redis = jobs.redis_connection()
    if redis is None:
        checks["redis"] = {"ok": True, "mode": "in-process jobs (no REDIS_URL)"}
        checks["queue"] = {"depth": 0}
    else:
        try:
            redis.ping()
            checks["redis"] = {"ok": True}
            checks["queue"] = {"depth": jobs.queue().count}
        except Exception as exc:
            checks["redis"] = {"ok": False, "error": type(exc).__name__}
            checks["queue"] = {"depth": None}
    try:
        # Effects of committed actions not yet done (jobs not run, pushes not emitted); "stuck" needs a person.
        figure = outbox.backlog(db.session)
        checks["outbox"] = {"backlog": figure.pending, "oldest_seconds": figure.oldest_seconds, "stuck": figure.stuck}
    except Exception as exc:
        db.session.rollback()
        checks["outbox"] = {"backlog": None, "error": type(exc).__name__}
    checks["model_version"] = MODEL_VERSION.get()() if MODEL_VERSION.is_bound() else None
    return checks


@bp.get("/health")
def health():
    checks = check_parts()
    ok = checks["database"]["ok"] and checks["redis"]["ok"]
    body = {"status": "ok" if ok else "degraded"}
    if _may_see_details():
        body |= checks
    return jsonify(body), (200 if ok else 503)
