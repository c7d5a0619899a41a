"""Chinese full-text search over knowledge articles (jieba tokens; FTS5 or PostgreSQL tsvector)."""

from knowledge.search.engine import (
    SearchHit,
    feedback_boost,
    search_articles,
    suggest_articles,
)
from knowledge.search.index import index_article, rebuild_index, remove_from_index

__all__ = [
    "SearchHit",
    "feedback_boost",
    "index_article",
    "rebuild_index",
    "remove_from_index",
    "search_articles",
    "suggest_articles",
]
