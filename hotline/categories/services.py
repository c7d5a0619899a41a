"""Loading the taxonomy and resolving what people call a category (a code or a name)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.categories.models import Category
from hotline.core.errors import DomainError

# First-level codes: pinyin initials of the official 一级分类 names (SPEC's example CX.01.03 = 城乡建设/…).
FIRST_LEVEL_CODES = {
    "城乡建设": "CX",
    "党务政务": "DZ",
    "国土资源": "GT",
    "环境保护": "HB",
    "纪检监察": "JJ",
    "交通运输": "JT",
    "经济管理": "JG",
    "科技与信息产业": "KJ",
    "民政": "MZ",
    "农村农业": "NY",
    "商贸旅游": "SL",
    "卫生计生": "WS",
    "政法": "ZF",
    "教育文体": "JW",
    "劳动和社会保障": "LS",
}


def taxonomy_rows(path: Path) -> list[tuple[str, str, int, str | None]]:
    """Return ``(code, name, level, parent_code)`` for every node of a ``level1,level2,level3`` file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    nodes: dict[tuple[str, ...], str] = {}
    out: list[tuple[str, str, int, str | None]] = []
    children: dict[str, int] = {}
    for row in rows:
        names = [row.get(k, "").strip() for k in ("level1", "level2", "level3")]
        parent_code: str | None = None
        for depth in range(3):
            key = tuple(names[: depth + 1])
            if not names[depth]:
                break
            if key not in nodes:
                if depth == 0:
                    code = FIRST_LEVEL_CODES.get(names[0]) or f"X{len([n for n in nodes if len(n) == 1]) + 1:02d}"
                else:
                    children[parent_code] = children.get(parent_code, 0) + 1
                    code = f"{parent_code}.{children[parent_code]:02d}"
                nodes[key] = code
                out.append((code, names[depth], depth + 1, parent_code))
            parent_code = nodes[key]
    return out


def load_taxonomy(session: Session, path: Path) -> int:
    """Create the categories of a taxonomy file that do not exist yet; return how many were added."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    added = 0
    for code, name, level, parent_code in taxonomy_rows(path):
        if code in existing:
            continue
        parent = existing.get(parent_code) if parent_code else None
        path_name = f"{parent.path_name}/{name}" if parent else name
        category = Category(
            code=code, name=name, level=level, parent_id=parent.id if parent else None, path_name=path_name
        )
        session.add(category)
        session.flush()
        existing[code] = category
        added += 1
    return added


def resolve_category(session: Session, value: str) -> Category:
    """Return the category named by a code (``CX.01``) or a name (``城乡建设``, or a full path); else 422."""
    value = value.strip()
    found = session.scalar(select(Category).where(Category.code == value))
    if found is None:
        found = session.scalar(
            select(Category).where((Category.name == value) | (Category.path_name == value)).order_by(Category.level)
        )
    if found is None:
        raise DomainError(422, "unknown_category", f"分类不存在：{value}")
    return found


def first_level(session: Session, code: str) -> Category | None:
    """Return the first-level category of ``code``."""
    return session.scalar(select(Category).where(Category.code == code.split(".")[0]))
