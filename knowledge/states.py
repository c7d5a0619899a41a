"""The article lifecycle: states, one transition table with the roles allowed, one ``transition()``."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from knowledge.errors import KnowledgeError


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    EXPIRED = "expired"


STATUS_NAMES = {
    ArticleStatus.DRAFT: "草稿",
    ArticleStatus.IN_REVIEW: "待审核",
    ArticleStatus.PUBLISHED: "已发布",
    ArticleStatus.EXPIRED: "已失效",
}

REVIEWER_ROLES = frozenset({"supervisor", "admin"})
# Who may write articles at all; handlers only for their own unit, agents only their own drafts.
EDITOR_ROLES = frozenset({"agent", "handler", "supervisor", "admin"})


class Actor(Protocol):
    id: int
    role: str
    unit_id: int | None


class _Owned(Protocol):
    status: str
    unit_id: int | None
    created_by_id: int | None


# (state, action) -> (new state, roles allowed). "editor" means: passes ``can_edit``.
TRANSITIONS: dict[tuple[ArticleStatus, str], tuple[ArticleStatus, frozenset[str]]] = {
    (ArticleStatus.DRAFT, "submit"): (ArticleStatus.IN_REVIEW, frozenset({"editor"})),
    (ArticleStatus.IN_REVIEW, "publish"): (ArticleStatus.PUBLISHED, REVIEWER_ROLES),
    (ArticleStatus.IN_REVIEW, "reject"): (ArticleStatus.DRAFT, REVIEWER_ROLES),
    (ArticleStatus.PUBLISHED, "expire"): (ArticleStatus.EXPIRED, REVIEWER_ROLES),
}


def can_edit(actor: Actor, article: _Owned) -> bool:
    """Tell whether ``actor`` may edit (and submit) ``article``."""
    if actor.role in REVIEWER_ROLES:
        return True
    if actor.role == "handler":
        return article.unit_id is not None and article.unit_id == actor.unit_id
    if actor.role == "agent":
        return article.created_by_id == actor.id and article.status == ArticleStatus.DRAFT
    return False


def transition(article: _Owned, action: str, actor: Actor) -> ArticleStatus:
    """Check ``action`` for ``actor`` on ``article``, set the new status and return it."""
    key = (ArticleStatus(article.status), action)
    if key not in TRANSITIONS:
        raise KnowledgeError(
            "invalid_transition",
            f"{STATUS_NAMES[key[0]]}状态的知识不能执行该操作",
            status=409,
        )
    target, roles = TRANSITIONS[key]
    allowed = can_edit(actor, article) if roles == {"editor"} else actor.role in roles
    if not allowed:
        raise KnowledgeError("forbidden", "当前角色无权执行此操作", status=403)
    article.status = target.value
    return target
