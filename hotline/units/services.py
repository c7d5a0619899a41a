"""Creating and finding units."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core.errors import DomainError
from hotline.units.models import UNIT_KINDS, Unit


def get_unit_by_code(session: Session, code: str) -> Unit:
    """Return the unit with ``code`` or refuse with 422."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise DomainError(422, "unknown_unit", f"单位编码不存在：{code}")
    return unit


def create_unit(session: Session, code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Add a unit under ``parent`` and return it."""
    if kind not in UNIT_KINDS:
        raise DomainError(422, "invalid_unit_kind", f"单位类型无效：{kind}")
    if "/" in code:
        raise DomainError(422, "invalid_unit_code", "单位编码不能包含 /")
    path = (parent.path if parent else "/") + code + "/"
    unit = Unit(code=code, name=name, kind=kind, parent=parent, path=path)
    session.add(unit)
    session.flush()
    return unit


def load_units_csv(session: Session, path: Path) -> int:
    """Create the units of a ``code,name,parent_code,kind`` file (parents first); return the count."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    known = {u.code: u for u in session.scalars(select(Unit))}
    pending = [r for r in rows if r["code"] not in known]
    created = 0
    while pending:
        progressed = []
        for row in pending:
            parent_code = (row.get("parent_code") or "").strip()
            if parent_code and parent_code not in known:
                continue
            unit = create_unit(
                session,
                row["code"].strip(),
                row["name"].strip(),
                row["kind"].strip(),
                known.get(parent_code) if parent_code else None,
            )
            known[unit.code] = unit
            progressed.append(row)
            created += 1
        if not progressed:
            missing = sorted({r["parent_code"] for r in pending})
            raise DomainError(422, "unknown_parent", f"上级单位不存在：{'、'.join(missing)}")
        pending = [r for r in pending if r not in progressed]
    return created


@lru_cache(maxsize=20_000)
def pinyin_initials(name: str) -> str:
    """Return the pinyin initials of a unit name (``市交通运输局`` → ``sjtysj``), for type-ahead search."""
    from pypinyin import Style, lazy_pinyin

    # Latin letters and digits in a name (A1区) are kept as they are: "a1q".
    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors=list)).lower()
