"""JSON API ``/api/v1/kb``: search, suggestions, articles, lifecycle actions and feedback."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from hotline.auth.api import api_auth
from hotline.core.api_schemas import accepts, query_params
from hotline.core.effects import commit
from hotline.core.errors import ApiError, not_found
from hotline.core.extensions import db
from hotline.units.models import Unit
from knowledge import services
from knowledge.errors import KnowledgeError
from knowledge.inputs import ArticleChanges, ArticleDraft, Feedback, KbListQuery, KbSearchQuery, KbSuggestQuery
from knowledge.models import Article
from knowledge.search import search_articles, suggest_articles
from knowledge.states import REVIEWER_ROLES

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1/kb")


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


def _fields(body: ArticleChanges) -> dict:
    """The editable fields sent, with the owning unit checked."""
    out = body.changes()
    if out.get("unit_id") is not None and db.session.get(Unit, out["unit_id"]) is None:
        raise ApiError(422, "invalid_unit", "单位不存在", field="unit_id")
    return out


def _may_see_unpublished(actor, article: Article) -> bool:
    # Drafts are visible to reviewers, their author, and the maintainers of the owning unit.
    return (
        actor.role in REVIEWER_ROLES
        or article.created_by_id == actor.id
        or (actor.role == "handler" and article.unit_id is not None and article.unit_id == actor.unit_id)
    )


@bp.get("/search")
@api_auth()
@query_params(KbSearchQuery)
def search(args: KbSearchQuery):
    """Ranked published articles with highlighted snippets."""
    hits = search_articles(db.session, args.q, limit=args.limit or 10, category=args.category, unit_id=args.unit)
    return jsonify({"results": [h.to_dict() for h in hits]})


@bp.get("/suggest")
@api_auth()
@query_params(KbSuggestQuery)
def suggest(args: KbSuggestQuery):
    """Published articles for a draft's text."""
    hits = suggest_articles(db.session, args.text or "", limit=args.limit or 5)
    return jsonify({"results": [h.to_dict() for h in hits]})


@bp.get("/articles")
@api_auth()
@query_params(KbListQuery)
def list_articles(args: KbListQuery):
    """Articles in one status, newest first."""
    status = args.status or "published"
    stmt = select(Article).where(Article.status == status)
    if status != "published":
        if g.actor.role == "handler":
            stmt = stmt.where(Article.unit_id == g.actor.unit_id)
        elif g.actor.role not in REVIEWER_ROLES:
            stmt = stmt.where(Article.created_by_id == g.actor.id)
    stmt = stmt.order_by(Article.id.desc()).limit(args.limit or 50)
    return jsonify({"results": [a.to_dict() for a in db.session.scalars(stmt)]})


@bp.post("/articles")
@api_auth("agent", "handler", "supervisor", "admin")
@_refusals
@accepts(ArticleDraft)
def create(body: ArticleDraft):
    """Write a new article (a draft until a reviewer publishes it)."""
    article = services.create_article(db.session, actor=g.actor, **_fields(body))
    commit(db.session)
    return jsonify(article.to_dict()), 201


@bp.get("/articles/<int:article_id>")
@api_auth()
@_refusals
def show(article_id: int):
    article = services.get_article(db.session, article_id)
    if article.status != "published" and not _may_see_unpublished(g.actor, article):
        raise not_found("知识条目")
    return jsonify(article.to_dict())


@bp.get("/articles/<int:article_id>/versions")
@api_auth("agent", "handler", "supervisor", "admin")
@_refusals
def versions(article_id: int):
    article = services.get_article(db.session, article_id)
    if not _may_see_unpublished(g.actor, article):
        raise not_found("知识条目")
    rows = services.list_versions(db.session, article_id)
    return jsonify(
        {"results": [{"version": v.version, "title": v.title, "created_at": v.created_at.isoformat()} for v in rows]}
    )


@bp.put("/articles/<int:article_id>")
@api_auth("agent", "handler", "supervisor", "admin")
@_refusals
@accepts(ArticleChanges)
def update(article_id: int, body: ArticleChanges):
    """Change an article: only the fields sent change."""
    article = services.get_article(db.session, article_id)
    if article.status != "published" and not _may_see_unpublished(g.actor, article):
        raise not_found("知识条目")
    article = services.update_article(db.session, article_id, actor=g.actor, **_fields(body))
    commit(db.session)
    return jsonify(article.to_dict())


_ACTIONS = {
    "submit": services.submit_article,
    "publish": services.publish_article,
    "reject": services.reject_article,
    "expire": services.expire_article,
}


@bp.post("/articles/<int:article_id>/feedback")
@api_auth()
@_refusals
@accepts(Feedback)
def feedback(article_id: int, body: Feedback):
    """Say whether an article helped."""
    services.record_feedback(db.session, article_id, actor=g.actor, helpful=body.helpful, query=body.query or "")
    commit(db.session)
    return jsonify({"ok": True}), 201


@bp.post("/articles/<int:article_id>/<action>")
@api_auth()
@_refusals
def act(article_id: int, action: str):
    if action not in _ACTIONS:
        raise ApiError(404, "not_found", "不支持的操作")
    article = services.get_article(db.session, article_id)
    if article.status != "published" and not _may_see_unpublished(g.actor, article):
        raise not_found("知识条目")
    article = _ACTIONS[action](db.session, article_id, actor=g.actor)
    commit(db.session)
    return jsonify(article.to_dict())
