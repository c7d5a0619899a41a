"""What the knowledge-base API accepts; each model parses the body or query and is the document's schema."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from hotline.core.api_schemas import (
    ApiModel,
    IsoDate,
    QueryModel,
    choice,
    optional_text,
    required_text,
    text_list,
    whole,
)
from hotline.core.validation import MAX_INT


class ArticleChanges(ApiModel):
    """``PUT /kb/articles/<id>``: the fields to change (only those sent change); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    title: required_text(200) = Field(default=None, description="标题（提交时不能为空）")
    body: required_text(200_000) = Field(default=None, description="正文（HTML，经清洗；提交时不能为空）")
    category: optional_text(80) = None
    source: optional_text(2000) = Field(default=None, description="依据或来源")
    tags: text_list(30, 50) = Field(default_factory=list)
    unit_id: whole(1, MAX_INT) = Field(default=None, description="维护单位")
    valid_from: IsoDate = None
    valid_to: IsoDate = None
    # Read-only fields an edited copy of an article may carry back; ignored.
    id: Any = Field(default=None, description="只读，忽略")
    status: Any = Field(default=None, description="只读，忽略")
    version: Any = Field(default=None, description="只读，忽略")

    def changes(self) -> dict[str, Any]:
        """The editable fields the caller sent (blank text as ``""``)."""
        sent = self.model_dump(include=self.model_fields_set - {"id", "status", "version"})
        return {k: ("" if v is None and k in ("category", "source") else v) for k, v in sent.items()}


class ArticleDraft(ArticleChanges):
    """``POST /kb/articles``: a new article (title and body required)."""

    title: required_text(200) = Field(description="标题")
    body: required_text(200_000) = Field(description="正文（HTML，经清洗）")


class Feedback(ApiModel):
    """``POST /kb/articles/<id>/feedback``."""

    helpful: bool = Field(description="是否有帮助")
    query: optional_text(500) = Field(default=None, description="当时的检索词")


class KbSearchQuery(QueryModel):
    """``GET /kb/search``."""

    q: required_text(200) = Field(description="检索词")
    limit: whole(1, 100) = None
    category: optional_text(80) = None
    unit: whole(1, MAX_INT) = Field(default=None, description="单位 id")


class KbSuggestQuery(QueryModel):
    """``GET /kb/suggest``: articles for a draft's text."""

    text: optional_text(20000) = Field(default=None, description="诉求内容")
    limit: whole(1, 100) = None


class KbListQuery(QueryModel):
    """``GET /kb/articles``: articles in one status (unpublished ones as the caller may see them)."""

    status: choice(("draft", "in_review", "published", "expired")) = Field(default=None, description="缺省 published")
    limit: whole(1, 200) = Field(default=None, description="缺省 50")
