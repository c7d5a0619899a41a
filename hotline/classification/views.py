"""``POST /api/v1/classify`` and the model versions admins promote."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.classification.inputs import Promotion, TextToClassify
from hotline.classification.models import ModelVersion
from hotline.classification.services import PREDICTOR_CACHE, prediction_to_dict, promote
from hotline.core import jobs
from hotline.core.api_schemas import accepts
from hotline.core.effects import commit
from hotline.core.errors import ApiError, not_found
from hotline.core.extensions import db

bp = Blueprint("classification_api", __name__, url_prefix="/api/v1")


def _predictor():
    predictor = PREDICTOR_CACHE.get().get(db.session)
    if predictor is None:
        raise ApiError(503, "no_active_model", "当前没有启用的分类模型")
    return predictor


@bp.post("/classify")
@api_auth(Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
@accepts(TextToClassify)
def classify(body: TextToClassify):
    """Classify a 诉求: categories with confidence, kind, urgency and the model version."""
    return jsonify(prediction_to_dict(_predictor().predict(body.text)))


def _version_dict(row: ModelVersion) -> dict:
    return {
        "version": row.version,
        "active": row.active,
        "metrics": row.metrics,
        "note": row.note,
        "created_at": row.created_at.isoformat(),
        "promoted_at": row.promoted_at.isoformat() if row.promoted_at else None,
    }


@bp.get("/classifier/versions")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
def list_versions():
    rows = db.session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc()))
    return jsonify([_version_dict(r) for r in rows])


@bp.post("/classifier/versions/<version>/promote")
@api_auth(Role.ADMIN)
@accepts(Promotion, required=False)
def promote_version(version: str, body: Promotion):
    """Make a model version the active one (refused when it scores worse, unless forced)."""
    force = bool(body.force)
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        raise not_found("模型版本")
    if not promote(db.session, row, force=force, models_root=Path(current_app.config["HOTLINE_MODELS_DIR"])):
        raise ApiError(409, "worse_model", "该版本在固定测试集上的 macro-F1 低于当前版本，未启用（可用 force 强制）")
    commit(db.session)
    PREDICTOR_CACHE.get().forget()
    return jsonify(_version_dict(row))


@bp.post("/classifier/retrain")
@api_auth(Role.ADMIN)
def queue_retrain():
    jobs.enqueue("hotline.classification.tasks:retrain_model")
    return jsonify({"queued": True}), 202
