"""The ``/kb`` pages: unit maintainers write and submit articles, reviewers publish or reject them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.units.models import Unit
from knowledge import services
from knowledge.dates import today as local_today
from knowledge.errors import KnowledgeError
from knowledge.models import Article
from knowledge.search.synonyms import parse_synonyms
from knowledge.states import REVIEWER_ROLES, STATUS_NAMES, ArticleStatus, can_edit

bp = Blueprint("kb_pages", __name__)

MAINTAINER_ROLES = ("handler", "supervisor", "admin")
REVIEWERS = tuple(sorted(REVIEWER_ROLES))


def _common(**extra: object) -> dict:
    return {
        "me": g.me,
        "role_name": ROLE_NAMES[g.me.role_enum],
        "status_names": {s.value: n for s, n in STATUS_NAMES.items()},
        "is_reviewer": g.me.role in REVIEWER_ROLES,
        **extra,
    }


def _owned_article(article_id: int) -> Article:
    """Return an article the current maintainer may edit; 404 for anything outside their unit."""
    article = db.session.get(Article, article_id)
    if article is None or not can_edit(g.me, article):
        abort(404)
    return article


def _form_values() -> dict:
    """Read the article form; raise KnowledgeError (shown on the form) for bad input."""
    values: dict = {
        "title": request.form.get("title", ""),
        "body": request.form.get("body", ""),
        "category": request.form.get("category", ""),
        "tags": parse_synonyms(request.form.get("tags", "")),
        "source": request.form.get("source", ""),
    }
    for key, label in (("valid_from", "生效日期"), ("valid_to", "失效日期")):
        raw = request.form.get(key, "").strip()
        try:
            values[key] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise KnowledgeError("invalid_date", f"{label}格式错误", status=422) from None
    if g.me.role in REVIEWER_ROLES:
        raw_unit = request.form.get("unit_id", "").strip()
        unit = db.session.get(Unit, int(raw_unit)) if raw_unit.isdigit() else None
        if raw_unit and unit is None:
            raise KnowledgeError("invalid_unit", "单位不存在", status=422)
        values["unit_id"] = unit.id if unit else None
    else:
        values["unit_id"] = g.me.unit_id
    return values


def _units() -> list[Unit]:
    if g.me.role not in REVIEWER_ROLES:
        return []
    return list(db.session.scalars(select(Unit).order_by(Unit.path)))


@bp.get("/kb")
@page_for(*MAINTAINER_ROLES)
def kb_list():
    status = request.args.get("status", "")
    stmt = select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(500)
    if g.me.role not in REVIEWER_ROLES:
        stmt = stmt.where(Article.unit_id == g.me.unit_id)
    if status in {s.value for s in ArticleStatus}:
        stmt = stmt.where(Article.status == status)
    articles = list(db.session.scalars(stmt))
    return render_template("kb.html", **_common(articles=articles, status=status))


@bp.route("/kb/new", methods=["GET", "POST"])
@page_for(*MAINTAINER_ROLES)
def kb_new():
    error, values = None, {}
    if request.method == "POST":
        try:
            values = _form_values()
            article = services.create_article(db.session, actor=g.me, **values)
            commit(db.session)
            flash("已保存草稿")
            return redirect(url_for("kb_pages.kb_edit", article_id=article.id))
        except KnowledgeError as exc:
            db.session.rollback()
            error = exc.message
            values = dict(request.form)
    return (
        render_template("kb_edit.html", **_common(article=None, values=values, error=error, units=_units())),
        422 if error else 200,
    )


@bp.route("/kb/<int:article_id>", methods=["GET", "POST"])
@page_for(*MAINTAINER_ROLES)
def kb_edit(article_id: int):
    article = _owned_article(article_id)
    error = None
    values = {
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "tags": "，".join(article.tags or []),
        "source": article.source,
        "valid_from": article.valid_from.isoformat() if article.valid_from else "",
        "valid_to": article.valid_to.isoformat() if article.valid_to else "",
        "unit_id": article.unit_id or "",
    }
    if request.method == "POST":
        try:
            services.update_article(db.session, article.id, actor=g.me, **_form_values())
            commit(db.session)
            flash("已保存，修改后的知识需重新提交审核")
            return redirect(url_for("kb_pages.kb_edit", article_id=article.id))
        except KnowledgeError as exc:
            db.session.rollback()
            error = exc.message
            values = dict(request.form)
            article = _owned_article(article_id)
    context = _common(article=article, values=values, error=error, units=_units())
    return render_template("kb_edit.html", **context), (422 if error else 200)


@bp.post("/kb/<int:article_id>/submit")
@page_for(*MAINTAINER_ROLES)
def kb_submit(article_id: int):
    article = _owned_article(article_id)
    return _act(services.submit_article, article.id, "已提交审核", url_for("kb_pages.kb_edit", article_id=article.id))


@bp.get("/kb/<int:article_id>/history")
@page_for(*MAINTAINER_ROLES)
def kb_history(article_id: int):
    article = _owned_article(article_id)
    versions = services.list_versions(db.session, article.id)
    numbers = [v.version for v in versions]
    new = request.args.get("new", type=int) or (numbers[-1] if numbers else 1)
    old = request.args.get("old", type=int) or (numbers[-2] if len(numbers) > 1 else new)
    diff_lines: list[str] = []
    if old in numbers and new in numbers and old != new:
        diff_lines = services.diff_article_versions(db.session, article.id, old, new).splitlines()
    context = _common(article=article, versions=versions, old=old, new=new, diff_lines=diff_lines)
    return render_template("kb_history.html", **context)


@bp.get("/kb/review")
@page_for(*REVIEWERS)
def kb_review():
    queue = list(
        db.session.scalars(
            select(Article).where(Article.status == ArticleStatus.IN_REVIEW).order_by(Article.updated_at, Article.id)
        )
    )
    reminders = services.list_articles_needing_review(db.session, local_today())
    return render_template("kb_review.html", **_common(queue=queue, reminders=reminders))


@bp.post("/kb/<int:article_id>/publish")
@page_for(*REVIEWERS)
def kb_publish(article_id: int):
    return _act(services.publish_article, article_id, "已发布", url_for("kb_pages.kb_review"))


@bp.post("/kb/<int:article_id>/reject")
@page_for(*REVIEWERS)
def kb_reject(article_id: int):
    return _act(services.reject_article, article_id, "已退回修改", url_for("kb_pages.kb_review"))


def _act(action: Callable, article_id: int, done: str, back: str):
    try:
        action(db.session, article_id, actor=g.me)
        commit(db.session)
        flash(done)
    except KnowledgeError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    return redirect(back)
