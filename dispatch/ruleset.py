"""The responsibility list in the database: edits with an audit row each, and the compiled RuleBook cache.

Every change bumps the ``rules`` counter in ``dispatch_counters`` in the same transaction; each process
keeps one compiled :class:`RuleBook` with the counter value it was built from and rebuilds when the
database has moved on, so a change made by one web process or worker reaches all of them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dispatch.models import DispatchCounter, DispatchRule, DispatchRuleChange
from dispatch.rules import DEMO_RESPONSIBILITY_LIST, LOCAL_TOKENS, Rule, RuleBook, load_rules
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.core.recent import Recent
from hotline.tickets.models import KINDS
from hotline.units.models import Unit

RULES_COUNTER = "rules"
EDITABLE = (
    "priority",
    "category",
    "area",
    "kind",
    "keywords",
    "lead_unit",
    "co_units",
    "direct",
    "grid_first",
    "legal_basis",
    "enabled",
)
_lock = threading.Lock()


def rule_to_dict(row: DispatchRule) -> dict[str, Any]:
    """Serialise a rule row."""
    return {
        "id": row.id,
        "priority": row.priority,
        "category": row.category,
        "area": row.area,
        "kind": row.kind,
        "keywords": list(row.keywords or []),
        "lead_unit": row.lead_unit,
        "co_units": list(row.co_units or []),
        "direct": row.direct,
        "grid_first": row.grid_first,
        "legal_basis": row.legal_basis,
        "enabled": row.enabled,
        "version": row.version,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
        "updated_by": row.updated_by.username if row.updated_by else None,
    }


def _snapshot(row: DispatchRule) -> dict[str, Any]:
    return {k: v for k, v in rule_to_dict(row).items() if k in EDITABLE}


def to_rule(row: DispatchRule) -> Rule:
    """Return the pure-engine rule of a row."""
    return Rule(
        id=row.id,
        priority=row.priority,
        category=row.category or "",
        area=row.area or "",
        kind=row.kind or "",
        keywords=tuple(row.keywords or ()),
        lead_unit=row.lead_unit,
        co_units=tuple(row.co_units or ()),
        direct=row.direct,
        grid_first=row.grid_first,
        legal_basis=row.legal_basis or "",
        enabled=row.enabled,
    )


@dataclass
class RuleInput:
    """Validated values of one rule (from a form, JSON or a spreadsheet row)."""

    id: str
    priority: int
    category: str = ""
    area: str = ""
    kind: str = ""
    keywords: tuple[str, ...] = ()
    lead_unit: str = ""
    co_units: tuple[str, ...] = ()
    direct: bool = False
    grid_first: bool = False
    legal_basis: str = ""
    enabled: bool = True

    def values(self) -> dict[str, Any]:
        return {
            "priority": self.priority,
            "category": self.category,
            "area": self.area,
            "kind": self.kind,
            "keywords": list(self.keywords),
            "lead_unit": self.lead_unit,
            "co_units": list(self.co_units),
            "direct": self.direct,
            "grid_first": self.grid_first,
            "legal_basis": self.legal_basis,
            "enabled": self.enabled,
        }


TRUE_WORDS = ("1", "true", "yes", "y", "是", "启用", "√")
FALSE_WORDS = ("0", "false", "no", "n", "否", "停用", "")


def parse_flag(value: Any, label: str) -> bool:
    """Read a yes/no cell; refuse anything else with a message naming the column."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{label}只能填 1/0 或 是/否，而不是“{value}”")


def split_list(value: Any) -> tuple[str, ...]:
    """Read a ``a|b|c`` cell (or a list) into a tuple of trimmed items."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value or "").replace("｜", "|").replace("、", "|").split("|")
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def parse_rule(raw: dict[str, Any], unit_codes: set[str]) -> RuleInput:
    """Validate one rule's raw values; raise ``ValueError`` with every problem in Chinese."""
    problems: list[str] = []
    rule_id = str(raw.get("id") or "").strip()
    if not rule_id:
        problems.append("缺少编号（id）")
    elif len(rule_id) > 40 or "/" in rule_id:
        problems.append(f"编号无效：{rule_id}")
    priority = 0
    try:
        priority = int(str(raw.get("priority") if raw.get("priority") is not None else "").strip())
        if not 0 <= priority <= 100000:
            raise ValueError
    except ValueError:
        problems.append(f"排序号（priority）必须是 0–100000 的整数，而不是“{raw.get('priority')}”")
    kind = str(raw.get("kind") or "").strip()
    if kind and kind not in KINDS:
        problems.append(f"诉求类型无效：{kind}（可选 {'、'.join(KINDS)}）")
    area = str(raw.get("area") or "").strip()
    if area and area not in unit_codes:
        problems.append(f"区域编码不存在：{area}")
    lead = str(raw.get("lead_unit") or "").strip()
    if not lead:
        problems.append("缺少主办单位（lead_unit）")
    elif lead not in LOCAL_TOKENS and lead not in unit_codes:
        problems.append(f"主办单位编码不存在：{lead}")
    co_units = split_list(raw.get("co_units"))
    unknown = [c for c in co_units if c not in LOCAL_TOKENS and c not in unit_codes]
    if unknown:
        problems.append(f"协办单位编码不存在：{'、'.join(unknown)}")
    flags: dict[str, bool] = {}
    for name, label, default in (
        ("direct", "直通车（direct）", False),
        ("grid_first", "网格优先（grid_first）", False),
        ("enabled", "启用（enabled）", True),
    ):
        value = raw.get(name)
        try:
            flags[name] = default if value is None or str(value).strip() == "" else parse_flag(value, label)
        except ValueError as exc:
            problems.append(str(exc))
    category = str(raw.get("category") or "").strip()
    if len(category) > 40:
        problems.append("类别过长（最多 40 字）")
    if problems:
        raise ValueError("；".join(problems))
    return RuleInput(
        id=rule_id,
        priority=priority,
        category=category,
        area=area,
        kind=kind,
        keywords=split_list(raw.get("keywords")),
        lead_unit=lead,
        co_units=co_units,
        legal_basis=str(raw.get("legal_basis") or "").strip(),
        **flags,
    )


def unit_codes(session: Session) -> set[str]:
    """Return every unit code in the database."""
    return set(session.scalars(select(Unit.code)))


def bump_rules_version(session: Session) -> int:
    """Move the list's version counter on (same transaction as the change)."""
    counter = session.get(DispatchCounter, RULES_COUNTER)
    if counter is None:
        counter = DispatchCounter(name=RULES_COUNTER, value=0, stamp="")
        session.add(counter)
        session.flush()
    session.execute(
        update(DispatchCounter)
        .where(DispatchCounter.name == RULES_COUNTER)
        .values(value=DispatchCounter.value + 1, stamp=uuid.uuid4().hex)
    )
    session.flush()
    session.expire(counter)
    forget_reference_state(session)
    return counter.value


def rules_version(session: Session) -> tuple[int, str]:
    """Return the list's version counter and stamp ((0, "") before any rule exists)."""
    row = session.execute(
        select(DispatchCounter.value, DispatchCounter.stamp).where(DispatchCounter.name == RULES_COUNTER)
    ).first()
    return (row[0], row[1]) if row else (0, "")


class ReferenceState(NamedTuple):
    """What this process's dispatch caches were built from: units, the list's version, the category tree."""

    units: tuple[int, int | None]  # count, highest id
    rules: tuple[int, str]  # version counter, stamp
    categories: tuple[int, int | None]  # count, highest id (0, None without the tree)


def _read_reference_state(session: Session) -> ReferenceState:
    """Read every cache key a proposal needs in one statement."""
    from hotline.core.extensions import db

    counter = select(DispatchCounter).where(DispatchCounter.name == RULES_COUNTER).subquery()
    columns = [
        select(func.count(Unit.id)).scalar_subquery(),
        select(func.max(Unit.id)).scalar_subquery(),
        select(counter.c.value).scalar_subquery(),
        select(counter.c.stamp).scalar_subquery(),
    ]
    categories = db.metadata.tables.get("categories")
    if categories is not None:
        columns += [
            select(func.count(categories.c.id)).scalar_subquery(),
            select(func.max(categories.c.id)).scalar_subquery(),
        ]
    row = session.execute(select(*columns)).one()
    return ReferenceState(
        units=(row[0], row[1]),
        rules=(row[2] or 0, row[3] or ""),
        categories=(row[4], row[5]) if categories is not None else (0, None),
    )


# A proposal runs on every intake and keystroke: its keys are read at most every HOTLINE_REFERENCE_SECONDS.
_REFERENCE = Recent(_read_reference_state, written_by=(Unit, Category))


def reference_state(session: Session) -> ReferenceState:
    """Return the keys of every cache a proposal uses (units, the list's version, the category tree)."""
    return _REFERENCE.get(session)


def forget_reference_state(session: Session | None = None) -> None:
    """Read the keys afresh on the next proposal (units, rules or categories changed in this process)."""
    _REFERENCE.forget(session)


def _audit(
    session: Session,
    rule_id: str,
    action: str,
    actor: User | None,
    before: dict | None,
    after: dict | None,
    note: str | None = None,
) -> None:
    session.add(
        DispatchRuleChange(
            rule_id=rule_id,
            action=action,
            actor_id=actor.id if actor else None,
            before=before,
            after=after,
            note=note,
            created_at=clock.now(),
        )
    )


def get_rule(session: Session, rule_id: str) -> DispatchRule:
    """Return the rule ``rule_id`` or refuse with 404."""
    row = session.get(DispatchRule, rule_id)
    if row is None:
        raise DomainError(404, "not_found", f"确责清单条目不存在：{rule_id}")
    return row


def _validated(session: Session, raw: dict[str, Any]) -> RuleInput:
    try:
        return parse_rule(raw, unit_codes(session))
    except ValueError as exc:
        raise DomainError(422, "invalid_rule", str(exc)) from None


def create_rule(session: Session, raw: dict[str, Any], actor: User | None, *, note: str | None = None) -> DispatchRule:
    """Add a rule to the list (audited)."""
    data = _validated(session, raw)
    if session.get(DispatchRule, data.id) is not None:
        raise DomainError(409, "rule_exists", f"编号已存在：{data.id}")
    row = DispatchRule(id=data.id, version=1, updated_at=clock.now(), updated_by=actor, **data.values())
    session.add(row)
    session.flush()
    _audit(session, row.id, "create", actor, None, _snapshot(row), note)
    bump_rules_version(session)
    return row


def update_rule(
    session: Session, rule_id: str, raw: dict[str, Any], actor: User | None, *, note: str | None = None
) -> DispatchRule:
    """Change a rule's fields (those given; the rest stay) and audit before/after; no-op edits write nothing."""
    row = get_rule(session, rule_id)
    before = _snapshot(row)
    merged = {**before, **{k: v for k, v in raw.items() if k in EDITABLE}, "id": rule_id}
    data = _validated(session, merged)
    after = data.values()
    if after == before:
        return row
    for key, value in after.items():
        setattr(row, key, value)
    row.version += 1
    row.updated_at, row.updated_by = clock.now(), actor
    session.flush()
    action = "update"
    if before["enabled"] != after["enabled"] and {k for k in after if after[k] != before[k]} == {"enabled"}:
        action = "enable" if after["enabled"] else "disable"
    _audit(session, rule_id, action, actor, before, _snapshot(row), note)
    bump_rules_version(session)
    return row


def disable_rule(session: Session, rule_id: str, actor: User | None, *, note: str | None = None) -> DispatchRule:
    """Switch a rule off (kept for the record and the audit trail)."""
    return update_rule(session, rule_id, {"enabled": False}, actor, note=note)


def list_rules(session: Session, *, include_disabled: bool = True) -> list[DispatchRule]:
    """Return the list in evaluation order."""
    from dispatch.rules import rank_key

    rows = list(session.scalars(select(DispatchRule)))
    if not include_disabled:
        rows = [r for r in rows if r.enabled]
    return sorted(rows, key=lambda r: rank_key(to_rule(r)))


def list_changes(session: Session, rule_id: str | None = None, limit: int = 200) -> list[DispatchRuleChange]:
    """Return the audit log, newest first."""
    query = select(DispatchRuleChange).order_by(DispatchRuleChange.id.desc()).limit(limit)
    if rule_id:
        query = query.where(DispatchRuleChange.rule_id == rule_id)
    return list(session.scalars(query))


def change_to_dict(change: DispatchRuleChange) -> dict[str, Any]:
    """Serialise an audit row, naming the fields that changed."""
    before, after = change.before or {}, change.after or {}
    return {
        "id": change.id,
        "rule_id": change.rule_id,
        "action": change.action,
        "actor": change.actor.username if change.actor else None,
        "created_at": change.created_at.isoformat(),
        "changed": sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)),
        "before": change.before,
        "after": change.after,
        "note": change.note,
    }


def apply_rules(session: Session, rules: Iterable[RuleInput], actor: User | None, *, note: str) -> dict[str, int]:
    """Create or update many validated rules (an import); return counts."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for data in rules:
        row = session.get(DispatchRule, data.id)
        if row is None:
            create_rule(session, {"id": data.id, **data.values()}, actor, note=note)
            counts["created"] += 1
            continue
        version = row.version
        update_rule(session, data.id, data.values(), actor, note=note)
        counts["updated" if row.version != version else "unchanged"] += 1
    return counts


def load_demo_rules(session: Session, actor: User | None = None) -> int:
    """Load the demo responsibility list unless the table already has rules; return how many were added."""
    if session.scalar(select(DispatchRule.id).limit(1)) is not None:
        return 0
    count = 0
    for rule in load_rules(DEMO_RESPONSIBILITY_LIST):
        raw = {
            "id": rule.id,
            "priority": rule.priority,
            "category": rule.category,
            "area": rule.area,
            "kind": rule.kind,
            "keywords": list(rule.keywords),
            "lead_unit": rule.lead_unit,
            "co_units": list(rule.co_units),
            "direct": rule.direct,
            "grid_first": rule.grid_first,
            "legal_basis": rule.legal_basis,
            "enabled": rule.enabled,
        }
        create_rule(session, raw, actor, note="载入示例确责清单")
        count += 1
    return count


def current_rulebook(session: Session, state: ReferenceState | None = None) -> RuleBook:
    """Return this process's compiled RuleBook, rebuilt when the list's version counter has moved."""
    version = state.rules if state is not None else rules_version(session)
    cache = current_app.extensions.setdefault("dispatch.rulebook", {})
    if cache.get("version") == version and "book" in cache:
        return cache["book"]
    with _lock:
        rows = session.scalars(select(DispatchRule).where(DispatchRule.enabled.is_(True)))
        names = dict(session.execute(select(Unit.code, Unit.name)).all())
        book = RuleBook([to_rule(r) for r in rows], names)
        cache.update(version=version, book=book)
    return book
