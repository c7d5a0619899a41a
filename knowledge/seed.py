"""Deterministic demo articles: hand-written guides plus official replies from the 问政 message board."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from sqlalchemy.orm import Session

from knowledge.guides import GUIDE_SOURCE, GUIDES
from knowledge.search.engine import CASE_REPLY_CATEGORY as REPLY_CATEGORY
from knowledge.search.tokenize import html_to_text
from knowledge.services import create_article
from knowledge.states import Actor, ArticleStatus

CONTEXT_CHARS = 200


def reply_source(message_id: str) -> str:
    """Return the citation recorded on an article seeded from one message and its reply."""
    return f"来源：西地省问政平台留言（泰迪杯2020 C题数据）编号 {message_id}"


def _paragraphs(*parts: str) -> str:
    # A guide's body is a tuple of paragraphs; a lone string (``("…")`` without the comma) would be
    # unpacked into one paragraph per character, and the article indexed as single characters.
    if any(len(p) == 1 for p in parts):
        raise ValueError("guide paragraphs must be whole sentences (a 1-tuple needs its trailing comma)")
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts if p)


def seed_demo_articles(session: Session, data_dir: Path, *, reviewer: Actor | None = None) -> int:
    """Create the published demo articles (guides first, then replies by id) and return how many."""
    count = 0
    for title, category, tags, body in GUIDES:
        create_article(
            session,
            actor=reviewer,
            title=title,
            body=_paragraphs(*body),
            category=category,
            tags=tags,
            source=GUIDE_SOURCE,
            status=ArticleStatus.PUBLISHED,
        )
        count += 1
    with (Path(data_dir) / "replies.csv").open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["id"]))
    seen: set[str] = set()
    for row in rows:
        title = " ".join(row["title"].split())
        reply = " ".join(row["reply"].split())
        # The same complaint posted twice gets one article: duplicates would only crowd results.
        if not title or not reply or title in seen:
            continue
        seen.add(title)
        question = html_to_text(row["detail"])[:CONTEXT_CHARS]
        create_article(
            session,
            actor=reviewer,
            title=title[:200],
            body=_paragraphs("【标准答复】", reply, "【群众诉求】", question),
            category=REPLY_CATEGORY,
            source=reply_source(row["id"]),
            status=ArticleStatus.PUBLISHED,
        )
        count += 1
    session.flush()
    return count
