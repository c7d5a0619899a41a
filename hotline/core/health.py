"""``GET /api/v1/health``: database, Redis, queue depth and model version."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from hotline.core import jobs
from hotline.core.extensions import db

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health():
    checks: dict = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # health must answer even when a part is down
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
    version_of = current_app.extensions.get("hotline.model_version")
    checks["model_version"] = version_of() if callable(version_of) else None
    ok = checks["database"]["ok"] and checks["redis"]["ok"]
    return jsonify({"status": "ok" if ok else "degraded", **checks}), (200 if ok else 503)
