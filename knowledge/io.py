"""Bulk import of articles from CSV, Excel or Markdown, and export to Excel."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.errors import KnowledgeError
from knowledge.models import Article
from knowledge.search.tokenize import html_to_text
from knowledge.services import create_article
from knowledge.states import Actor, ArticleStatus

# Column order of the export; the importer accepts these headers (English or Chinese).
COLUMNS = ("title", "body", "category", "tags", "source", "valid_from", "valid_to", "status")
HEADER_NAMES = {
    "标题": "title",
    "正文": "body",
    "分类": "category",
    "标签": "tags",
    "依据": "source",
    "生效日期": "valid_from",
    "失效日期": "valid_to",
    "状态": "status",
}


def _date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise KnowledgeError("invalid_date", f"日期格式错误：{value}") from exc


def _as_body(value: str) -> str:
    """Treat plain text as paragraphs; keep HTML as is (it is sanitised on save)."""
    text = str(value or "")
    if "<" in text and ">" in text:
        return text
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def _records(rows: Iterable[dict]) -> Iterator[dict]:
    for row in rows:
        record = {HEADER_NAMES.get(str(k).strip(), str(k).strip()): v for k, v in row.items() if k}
        if any(record.get(c) not in (None, "") for c in ("title", "body")):
            yield record


def read_csv(data: bytes | str) -> list[dict]:
    """Parse CSV (UTF-8, optional BOM) into article records."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(_records(csv.DictReader(io.StringIO(text))))


def read_excel(data: bytes) -> list[dict]:
    """Parse the first sheet of an .xlsx workbook (header row first) into article records."""
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    return list(_records(dict(zip(header, row, strict=False)) for row in rows))


def read_markdown(text: str) -> list[dict]:
    """Parse Markdown without front matter: each ``# title`` starts an article, the lines below are its body."""
    records: list[dict] = []
    for line in text.splitlines():
        if line.startswith("# "):
            records.append({"title": line[2:].strip(), "lines": []})
        elif records:
            records[-1]["lines"].append(line)
    return [{"title": r["title"], "body": "\n".join(r["lines"]).strip()} for r in records if r["title"]]


def import_articles(
    session: Session, records: Iterable[dict], *, actor: Actor | None, status: str = ArticleStatus.DRAFT
) -> list[Article]:
    """Create articles from parsed records (drafts by default) and return them."""
    created = []
    for i, record in enumerate(records, start=1):
        try:
            tags = record.get("tags") or ""
            created.append(
                create_article(
                    session,
                    actor=actor,
                    title=str(record.get("title") or ""),
                    body=_as_body(record.get("body") or ""),
                    category=str(record.get("category") or ""),
                    tags=[t for t in str(tags).replace("，", ",").split(",") if t.strip()],
                    source=str(record.get("source") or ""),
                    valid_from=_date(record.get("valid_from")),
                    valid_to=_date(record.get("valid_to")),
                    status=status,
                )
            )
        except KnowledgeError as exc:
            raise KnowledgeError(exc.code, f"第{i}条：{exc.message}", status=exc.status) from exc
    return created


def import_file(
    session: Session, path: Path, *, actor: Actor | None, status: str = ArticleStatus.DRAFT
) -> list[Article]:
    """Import a .csv, .xlsx or .md file by its extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = read_csv(path.read_bytes())
    elif suffix in (".xlsx", ".xlsm"):
        records = read_excel(path.read_bytes())
    elif suffix in (".md", ".markdown"):
        records = read_markdown(path.read_text(encoding="utf-8"))
    else:
        raise KnowledgeError("unsupported_format", "仅支持 CSV、Excel 和 Markdown 文件")
    return import_articles(session, records, actor=actor, status=status)


def export_excel(session: Session, *, statuses: Iterable[str] | None = None) -> bytes:
    """Return an .xlsx workbook of articles (body as plain text), one row each, ordered by id."""
    stmt = select(Article).order_by(Article.id)
    if statuses is not None:
        stmt = stmt.where(Article.status.in_(list(statuses)))
    book = Workbook()
    sheet = book.active
    sheet.title = "知识库"
    sheet.append(list(COLUMNS))
    for a in session.scalars(stmt):
        sheet.append(
            [
                a.title,
                html_to_text(a.body.replace("</p>", "</p>\n")),
                a.category,
                ",".join(a.tags or []),
                a.source,
                a.valid_from.isoformat() if a.valid_from else "",
                a.valid_to.isoformat() if a.valid_to else "",
                a.status,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
