"""JSON API ``/api/v1/kb``: search, suggestions, articles, lifecycle actions and feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, jsonify, request

from hotline.auth.api import api_auth
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from knowledge import services
from knowledge.errors import KnowledgeError
from knowledge.search import search_articles, suggest_articles

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1/kb")
REVIEWER_STATUSES = ("draft", "in_review", "published", "expired")


def _refusals(view: Callable) -> Callable:
    """Turn service refusals into API errors and roll back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except KnowledgeError as exc:
            db.session.rollback()
            raise ApiError(exc.status, exc.code, exc.message) from exc

    return wrapper


def _int(name: str, default: int | None = None) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", f"参数 {name} 须为整数") from exc


def _date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ApiError(422, "invalid_date", f"日期格式错误：{value}") from exc


def _fields(payload: dict) -> dict:
    out = {k: payload[k] for k in services.EDITABLE_FIELDS if k in payload}
    for key in ("valid_from", "valid_to"):
        if key in out:
            out[key] = _date(out[key])
    return out


@bp.get("/search")
@api_auth()
def search():
    q = request.args.get("q", "").strip()
    if not q:
        raise ApiError(400, "missing_query", "请输入检索词")
    hits = search_articles(
        db.session,
        q,
        limit=_int("limit", 10),
        category=request.args.get("category") or None,
        unit_id=_int("unit"),
    )
    return jsonify({"results": [h.to_dict() for h in hits]})


@bp.get("/suggest")
@api_auth()
def suggest():
    hits = suggest_articles(db.session, request.args.get("text", ""), limit=_int("limit", 5))
    return jsonify({"results": [h.to_dict() for h in hits]})


@bp.get("/articles")
@api_auth()
def list_articles():
    from sqlalchemy import select

    from knowledge.models import Article

    reviewer = g.actor.role in ("supervisor", "admin", "handler")
    status = request.args.get("status") or "published"
    if status not in REVIEWER_STATUSES or (status != "published" and not reviewer):
        raise ApiError(403, "forbidden", "无权查看该状态的知识")
    stmt = select(Article).where(Article.status == status).order_by(Article.id.desc()).limit(_int("limit", 50))
    return jsonify({"results": [a.to_dict() for a in db.session.scalars(stmt)]})


@bp.post("/articles")
@api_auth("agent", "handler", "supervisor", "admin")
@_refusals
def create():
    payload = request.get_json(silent=True) or {}
    article = services.create_article(db.session, actor=g.actor, **_fields(payload))
    db.session.commit()
    return jsonify(article.to_dict()), 201


@bp.get("/articles/<int:article_id>")
@api_auth()
@_refusals
def show(article_id: int):
    article = services.get_article(db.session, article_id)
    if article.status != "published" and g.actor.role not in ("supervisor", "admin", "handler"):
        raise ApiError(404, "not_found", "知识条目不存在或无权查看")
    return jsonify(article.to_dict())


@bp.put("/articles/<int:article_id>")
@api_auth("agent", "handler", "supervisor", "admin")
@_refusals
def update(article_id: int):
    payload = request.get_json(silent=True) or {}
    article = services.update_article(db.session, article_id, actor=g.actor, **_fields(payload))
    db.session.commit()
    return jsonify(article.to_dict())


_ACTIONS = {
    "submit": services.submit_article,
    "publish": services.publish_article,
    "reject": services.reject_article,
    "expire": services.expire_article,
}


@bp.post("/articles/<int:article_id>/<action>")
@api_auth()
@_refusals
def act(article_id: int, action: str):
    if action == "feedback":
        payload = request.get_json(silent=True) or {}
        if not isinstance(payload.get("helpful"), bool):
            raise ApiError(422, "invalid_feedback", "helpful 须为 true 或 false")
        services.record_feedback(
            db.session, article_id, actor=g.actor, helpful=payload["helpful"], query=str(payload.get("query", ""))
        )
        db.session.commit()
        return jsonify({"ok": True}), 201
    if action not in _ACTIONS:
        raise ApiError(404, "not_found", "不支持的操作")
    article = _ACTIONS[action](db.session, article_id, actor=g.actor)
    db.session.commit()
    return jsonify(article.to_dict())
