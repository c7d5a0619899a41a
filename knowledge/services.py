"""Knowledge-base services: write, review, expire, version, feedback. They flush; callers commit."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.core.clock import now
from knowledge.dates import today as local_today
from knowledge.errors import KnowledgeError
from knowledge.models import Article, ArticleVersion, Attachment, Feedback, Synonym
from knowledge.sanitize import sanitize_html
from knowledge.search.index import index_article
from knowledge.search.synonyms import parse_synonyms
from knowledge.search.tokenize import html_to_text
from knowledge.states import REVIEWER_ROLES, Actor, ArticleStatus, can_edit, transition

EXPIRY_WARNING_DAYS = 30
REVIEW_INTERVAL_DAYS = 180
_BLOCK_END = re.compile(r"(?i)</p>|<br\s*/?>|</li>|</h\d>")
EDITABLE_FIELDS = (
    "title",
    "body",
    "category",
    "tags",
    "source",
    "unit_id",
    "valid_from",
    "valid_to",
)


def _clean_values(values: dict) -> dict:
    """Validate and normalise article field values (sanitising the body)."""
    out = dict(values)
    if "title" in out:
        out["title"] = " ".join(str(out["title"] or "").split())
        if not out["title"] or len(out["title"]) > 200:
            raise KnowledgeError("invalid_title", "标题不能为空且不超过200字", status=422)
    if "body" in out:
        out["body"] = sanitize_html(str(out["body"] or ""))
        if not html_to_text(out["body"]):
            raise KnowledgeError("invalid_body", "正文不能为空", status=422)
    if "category" in out:
        out["category"] = str(out["category"] or "").strip()[:80]
    if "tags" in out:
        tags = out["tags"]
        if isinstance(tags, str):
            tags = parse_synonyms(tags)
        out["tags"] = list(dict.fromkeys(str(t).strip() for t in tags or () if str(t).strip()))
    if "source" in out:
        out["source"] = str(out["source"] or "").strip()
    return out


def _check_validity(article: Article) -> None:
    if article.valid_from and article.valid_to and article.valid_to < article.valid_from:
        raise KnowledgeError("invalid_validity", "失效日期不能早于生效日期", status=422)


def _snapshot(session: Session, article: Article, actor_id: int | None) -> None:
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            body=article.body,
            category=article.category,
            tags=list(article.tags or []),
            source=article.source,
            valid_from=article.valid_from,
            valid_to=article.valid_to,
            edited_by_id=actor_id,
            created_at=now(),
        )
    )


def get_article(session: Session, article_id: int) -> Article:
    """Return the article or refuse with 404."""
    article = session.get(Article, article_id)
    if article is None:
        raise KnowledgeError("not_found", "知识条目不存在", status=404)
    return article


def create_article(
    session: Session,
    *,
    actor: Actor | None,
    title: str,
    body: str,
    category: str = "",
    tags: Iterable[str] = (),
    source: str = "",
    unit_id: int | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    status: str = ArticleStatus.DRAFT,
) -> Article:
    """Create an article (a draft unless a reviewer or the system creates it published) and index it."""
    if actor is not None:
        if actor.role not in {"agent", "handler", "supervisor", "admin"}:
            raise KnowledgeError("forbidden", "当前角色无权编写知识", status=403)
        if actor.role == "handler":
            unit_id = actor.unit_id if unit_id is None else unit_id
            if unit_id != actor.unit_id:
                raise KnowledgeError("forbidden", "只能为本单位编写知识", status=403)
        if status != ArticleStatus.DRAFT and actor.role not in REVIEWER_ROLES:
            raise KnowledgeError("forbidden", "只有督办员或管理员可以直接发布知识", status=403)
    values = _clean_values(
        {
            "title": title,
            "body": body,
            "category": category,
            "tags": list(tags),
            "source": source,
        }
    )
    moment = now()
    article = Article(
        **values,
        unit_id=unit_id,
        valid_from=valid_from,
        valid_to=valid_to,
        status=ArticleStatus(status).value,
        version=1,
        helpful_count=0,
        unhelpful_count=0,
        created_by_id=actor.id if actor else None,
        created_at=moment,
        updated_at=moment,
    )
    if article.status == ArticleStatus.PUBLISHED:
        article.reviewed_at = moment
        article.reviewed_by_id = actor.id if actor else None
    _check_validity(article)
    session.add(article)
    session.flush()
    _snapshot(session, article, article.created_by_id)
    index_article(session, article)
    return article


def update_article(session: Session, article_id: int, *, actor: Actor, **changes: object) -> Article:
    """Change an article's content, keep a version, re-index; a reviewed article goes back to draft."""
    article = get_article(session, article_id)
    if not can_edit(actor, article):
        raise KnowledgeError("forbidden", "无权编辑该知识", status=403)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise KnowledgeError("invalid_field", f"不可修改的字段：{'、'.join(sorted(unknown))}", status=422)
    if "unit_id" in changes and actor.role == "handler" and changes["unit_id"] != actor.unit_id:
        raise KnowledgeError("forbidden", "只能为本单位编写知识", status=403)
    values = _clean_values(changes)
    if all(getattr(article, k) == v for k, v in values.items()):
        return article
    for key, value in values.items():
        setattr(article, key, value)
    _check_validity(article)
    # Changed content has not been reviewed: it leaves the agents' view until published again.
    if article.status in (
        ArticleStatus.PUBLISHED,
        ArticleStatus.EXPIRED,
        ArticleStatus.IN_REVIEW,
    ):
        article.status = ArticleStatus.DRAFT.value
    article.version += 1
    article.updated_at = now()
    session.flush()
    _snapshot(session, article, actor.id)
    index_article(session, article)
    return article


def submit_article(session: Session, article_id: int, *, actor: Actor) -> Article:
    """Send a draft for review."""
    article = get_article(session, article_id)
    transition(article, "submit", actor)
    article.updated_at = now()
    session.flush()
    return article


def publish_article(session: Session, article_id: int, *, actor: Actor, today: dt.date | None = None) -> Article:
    """Publish an article under review (supervisor or admin only)."""
    article = get_article(session, article_id)
    today = today or local_today()
    if article.valid_to and article.valid_to < today:
        raise KnowledgeError("already_expired", "失效日期已过，不能发布", status=409)
    transition(article, "publish", actor)
    article.reviewed_by_id = actor.id
    article.reviewed_at = article.updated_at = now()
    session.flush()
    return article


def reject_article(session: Session, article_id: int, *, actor: Actor) -> Article:
    """Return an article under review to draft."""
    article = get_article(session, article_id)
    transition(article, "reject", actor)
    article.updated_at = now()
    session.flush()
    return article


def expire_article(session: Session, article_id: int, *, actor: Actor) -> Article:
    """Withdraw a published article."""
    article = get_article(session, article_id)
    transition(article, "expire", actor)
    article.updated_at = now()
    session.flush()
    return article


def expire_outdated_articles(session: Session, today: dt.date) -> int:
    """Mark published articles past their valid_to as expired and return how many changed."""
    stale = session.scalars(
        select(Article).where(Article.status == ArticleStatus.PUBLISHED, Article.valid_to < today)
    ).all()
    for article in stale:
        article.status = ArticleStatus.EXPIRED.value
        article.updated_at = now()
    session.flush()
    return len(stale)


def list_versions(session: Session, article_id: int) -> list[ArticleVersion]:
    """Return an article's versions, oldest first."""
    get_article(session, article_id)
    return list(
        session.scalars(
            select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.version)
        )
    )


def _version_lines(version: ArticleVersion) -> list[str]:
    head = [
        f"标题：{version.title}",
        f"分类：{version.category}",
        f"依据：{version.source}",
    ]
    validity = f"有效期：{version.valid_from or ''} ~ {version.valid_to or ''}"
    return [*head, validity, "", *_paragraphs(version.body)]


def _paragraphs(body_html: str) -> list[str]:
    # One diff line per paragraph so a changed sentence shows as one changed line.
    parts = _BLOCK_END.split(body_html)
    return [t for t in (html_to_text(p) for p in parts) if t]


def diff_article_versions(session: Session, article_id: int, old: int, new: int) -> str:
    """Return a unified diff of two versions' text (title, fields, body paragraphs)."""
    by_number = {v.version: v for v in list_versions(session, article_id)}
    if old not in by_number or new not in by_number:
        raise KnowledgeError("not_found", "版本不存在", status=404)
    lines = difflib.unified_diff(
        _version_lines(by_number[old]),
        _version_lines(by_number[new]),
        f"v{old}",
        f"v{new}",
        lineterm="",
    )
    return "\n".join(lines)


def add_attachment(
    session: Session,
    article_id: int,
    *,
    actor: Actor,
    filename: str,
    size: int,
    sha256: str,
    content_type: str,
) -> Attachment:
    """Record an attachment's metadata on an article."""
    article = get_article(session, article_id)
    if not can_edit(actor, article):
        raise KnowledgeError("forbidden", "无权编辑该知识", status=403)
    digest = (sha256 or "").lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise KnowledgeError("invalid_sha256", "附件摘要须为64位十六进制 SHA-256", status=422)
    if size < 0 or not filename.strip():
        raise KnowledgeError("invalid_attachment", "附件文件名或大小无效", status=422)
    attachment = Attachment(
        article_id=article.id,
        filename=filename.strip()[:255],
        size=size,
        sha256=digest,
        content_type=(content_type or "application/octet-stream")[:120],
        uploaded_by_id=actor.id,
        created_at=now(),
    )
    session.add(attachment)
    session.flush()
    return attachment


def record_feedback(session: Session, article_id: int, *, actor: Actor, helpful: bool, query: str = "") -> Feedback:
    """Store an agent's helpful/not-helpful verdict and update the article's counters used in ranking."""
    article = get_article(session, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise KnowledgeError("not_published", "只能评价已发布的知识", status=409)
    feedback = Feedback(
        article_id=article.id,
        user_id=actor.id,
        helpful=bool(helpful),
        query=(query or "")[:500],
        created_at=now(),
    )
    session.add(feedback)
    if helpful:
        article.helpful_count += 1
    else:
        article.unhelpful_count += 1
    session.flush()
    return feedback


@dataclass(frozen=True)
class ReviewReminder:
    """A published article that needs a reviewer's attention, and why."""

    article_id: int
    title: str
    reason: str  # "expiring" | "unreviewed"
    due: dt.date


def list_articles_needing_review(session: Session, today: dt.date) -> list[ReviewReminder]:
    """Return published articles expiring within 30 days or not reviewed for 180 days, most urgent first."""
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    stale_before = dt.datetime.combine(today - dt.timedelta(days=REVIEW_INTERVAL_DAYS), dt.time(), dt.UTC)
    articles = session.scalars(
        select(Article).where(
            Article.status == ArticleStatus.PUBLISHED,
            or_(
                Article.valid_to.between(today, horizon),
                Article.reviewed_at.is_(None),
                Article.reviewed_at < stale_before,
            ),
        )
    ).all()
    reminders = []
    for a in articles:
        if a.valid_to is not None and today <= a.valid_to <= horizon:
            reminders.append(ReviewReminder(a.id, a.title, "expiring", a.valid_to))
        else:
            reviewed = (a.reviewed_at or a.created_at).date()
            reminders.append(
                ReviewReminder(
                    a.id,
                    a.title,
                    "unreviewed",
                    reviewed + dt.timedelta(days=REVIEW_INTERVAL_DAYS),
                )
            )
    return sorted(reminders, key=lambda r: (r.due, r.article_id))


def set_synonyms(session: Session, term: str, synonyms: Sequence[str] | str, *, actor: Actor) -> Synonym:
    """Create or replace a synonym group (supervisor or admin)."""
    if actor.role not in REVIEWER_ROLES:
        raise KnowledgeError("forbidden", "只有督办员或管理员可以维护同义词", status=403)
    words = parse_synonyms(synonyms) if isinstance(synonyms, str) else [s.strip() for s in synonyms if s.strip()]
    term = term.strip()
    if not term or not words:
        raise KnowledgeError("invalid_synonyms", "词条和同义词不能为空", status=422)
    row = session.scalar(select(Synonym).where(Synonym.term == term))
    if row is None:
        row = Synonym(term=term, synonyms=",".join(words))
        session.add(row)
    else:
        row.synonyms = ",".join(words)
    session.flush()
    return row
