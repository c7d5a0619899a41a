"""The responsibility list (确责清单) as ordered data rows and a pure matcher that says who handles a ticket.

Order of evaluation — the first rule in this order whose conditions all hold wins:
1. ``priority`` ascending (1 is looked at before 100; the list's 排序号);
2. on equal priority the more specific rule: area level (grid > community > street > district > any),
   then a rule with keywords before one without, then the deeper category (``CJ.01.03`` > ``CJ.01`` >
   first-level name > any), then a rule with a kind before one without;
3. then ``id`` ascending, so the result never depends on row order.
A rule holds when every non-empty condition holds: category (a code prefix by segments, or a first-level
name equal to the ticket's category or one of its level names), area (equal to the ticket's district,
street, community or grid code), kind (equal), keywords (any one is a substring of the text).
``lead_unit``/``co_units`` may be ``@district`` or ``@street`` (属地): the ticket's own district or street;
a rule naming one the ticket lacks does not hold. The catch-all row (no conditions at all) is the fallback;
without one, no match returns ``None`` and the ticket goes to the dispatcher queue.
"""

from __future__ import annotations

import csv
import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_RESPONSIBILITY_LIST = DATA_DIR / "demo_responsibility_list.csv"

LOCAL_TOKENS = ("@district", "@street")


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the responsibility list."""

    id: str
    priority: int
    category: str = ""  # a code ("CJ.01") or a first-level name ("城乡建设"); empty = any
    area: str = ""  # a district/street/community/grid code; empty = anywhere
    kind: str = ""  # consult/help/complaint/report/suggestion/praise; empty = any
    keywords: tuple[str, ...] = ()  # any one in the text; empty = no text condition
    lead_unit: str = ""
    co_units: tuple[str, ...] = ()
    direct: bool = False  # 直通车: straight to the utility, no department in between
    grid_first: bool = False  # send to the address's grid worker first when the grid is known
    legal_basis: str = ""
    enabled: bool = True

    @property
    def is_fallback(self) -> bool:
        """Tell whether this rule has no condition at all (the catch-all row)."""
        return not (self.category or self.area or self.kind or self.keywords)


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about a ticket when it is dispatched."""

    category: str = ""  # code or first-level name
    category_names: tuple[str, ...] = ()  # level names of the category, when known (城乡建设, 小区管理, …)
    kind: str = ""
    district: str = ""
    street: str = ""
    community: str = ""
    grid: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """Who handles the ticket and why."""

    lead_unit: str
    co_units: tuple[str, ...]
    grid: str  # the grid to send to first, or "" (rule not grid_first, or no grid resolved)
    rule_id: str
    reason: str  # 为什么: the rule, the conditions that held, the legal basis
    ambiguous: bool  # another rule of equal rank matched with a different lead unit
    direct: bool = False
    fallback: bool = False
    legal_basis: str = ""
    alternatives: tuple[str, ...] = field(default=())  # ids of same-priority matches with other lead units


def _category_depth(category: str) -> int:
    if not category:
        return 0
    if _is_code(category):
        return 1 + category.count(".")
    return 1


def _is_code(category: str) -> bool:
    return category.isascii()


def _static_area_level(area: str) -> int:
    """Guess an area code's level from its shape (A1 / A1-01 / A1-01-01 / A1-01-01-G01) for sorting."""
    if not area:
        return 0
    return min(1 + area.count("-"), 4)


def rank_key(rule: Rule) -> tuple:
    """Return the sort key that puts rules in evaluation order."""
    return (
        rule.priority,
        -_static_area_level(rule.area),
        0 if rule.keywords else 1,
        -_category_depth(rule.category),
        0 if rule.kind else 1,
        rule.id,
    )


def _category_holds(rule_category: str, facts: Facts) -> bool:
    if not rule_category:
        return True
    if _is_code(rule_category):
        c = facts.category
        return c == rule_category or c.startswith(rule_category + ".")
    return rule_category == facts.category or rule_category in facts.category_names


def _resolve(unit: str, facts: Facts) -> str:
    if unit == "@district":
        return facts.district
    if unit == "@street":
        return facts.street
    return unit


def matched_keyword(rule: Rule, facts: Facts) -> str | None:
    """Return the first of the rule's keywords found in the text, "" when it has none, None when none is found."""
    if not rule.keywords:
        return ""
    for kw in rule.keywords:
        if kw in facts.text:
            return kw
    return None


def rule_holds(rule: Rule, facts: Facts) -> bool:
    """Tell whether every condition of an enabled rule holds for the facts."""
    if not rule.enabled:
        return False
    if rule.kind and rule.kind != facts.kind:
        return False
    if rule.area and rule.area not in (facts.district, facts.street, facts.community, facts.grid):
        return False
    if not _category_holds(rule.category, facts):
        return False
    if not _resolve(rule.lead_unit, facts):
        return False
    return matched_keyword(rule, facts) is not None


def _reason(rule: Rule, facts: Facts, unit_names: Mapping[str, str], lead: str, grid: str) -> str:
    def name(code: str) -> str:
        return f"{unit_names.get(code, code)}({code})" if code in unit_names else code

    if rule.is_fallback and rule.lead_unit in LOCAL_TOKENS:
        head = f"确责清单未命中具体条目，按属地管理原则由{name(lead)}主办（兜底规则 {rule.id}）"
    elif rule.is_fallback:
        head = f"确责清单未命中具体条目，按兜底规则 {rule.id} 交{name(lead)}研判派发"
    else:
        conds = []
        if rule.category:
            conds.append(f"类别「{rule.category}」")
        if rule.area:
            conds.append(f"区域「{name(rule.area)}」")
        if rule.kind:
            conds.append(f"诉求类型「{rule.kind}」")
        kw = matched_keyword(rule, facts)
        if kw:
            conds.append(f"关键词「{kw}」")
        local = "（属地管理）" if rule.lead_unit in LOCAL_TOKENS else ""
        head = f"命中确责清单 {rule.id}：{'、'.join(conds)} → 主办 {name(lead)}{local}"
    parts = [head]
    cos = [_resolve(c, facts) for c in rule.co_units]
    if any(cos):
        parts.append("协办 " + "、".join(name(c) for c in cos if c))
    if rule.direct:
        parts.append("直通车直派")
    if grid:
        parts.append(f"网格优先，先派网格 {name(grid)}")
    if rule.legal_basis:
        parts.append(f"依据：{rule.legal_basis}")
    return "；".join(parts)


def _decide(ordered: Iterable[Rule], facts: Facts, unit_names: Mapping[str, str]) -> Decision | None:
    """Walk rules already in evaluation order; return the first match with its ambiguity."""
    winner: Rule | None = None
    winner_key: tuple = ()
    winner_lead = ""
    ambiguous = False
    alternatives: list[str] = []
    for rule in ordered:
        if winner is not None and rule.priority > winner.priority:
            break
        if not rule_holds(rule, facts):
            continue
        lead = _resolve(rule.lead_unit, facts)
        if winner is None:
            winner, winner_key, winner_lead = rule, rank_key(rule)[:-1], lead
            continue
        if lead != winner_lead:
            alternatives.append(rule.id)
            if rank_key(rule)[:-1] == winner_key:
                ambiguous = True  # the list itself cannot tell these two apart: a dispatcher must
    if winner is None:
        return None
    grid = facts.grid if winner.grid_first and facts.grid else ""
    co_units = tuple(dict.fromkeys(c for c in (_resolve(c, facts) for c in winner.co_units) if c and c != winner_lead))
    return Decision(
        lead_unit=winner_lead,
        co_units=co_units,
        grid=grid,
        rule_id=winner.id,
        reason=_reason(winner, facts, unit_names, winner_lead, grid),
        ambiguous=ambiguous,
        direct=winner.direct,
        fallback=winner.is_fallback,
        legal_basis=winner.legal_basis,
        alternatives=tuple(alternatives),
    )


def match_rules(rules: Sequence[Rule], facts: Facts, unit_names: Mapping[str, str] | None = None) -> Decision | None:
    """Return the decision of the first matching rule (naive scan), or None for the dispatcher queue."""
    return _decide(sorted(rules, key=rank_key), facts, unit_names or {})


class RuleBook:
    """Rules compiled once into buckets keyed by (category, area); a decision merges the few that apply."""

    def __init__(self, rules: Iterable[Rule], unit_names: Mapping[str, str] | None = None) -> None:
        self.rules: list[Rule] = sorted((r for r in rules if r.enabled), key=rank_key)
        self.unit_names: Mapping[str, str] = dict(unit_names or {})
        # Category key: "" for any, the exact code for codes (facts look up every prefix), the name for names.
        self._buckets: dict[tuple[str, str], list[tuple[tuple, Rule]]] = defaultdict(list)
        for rule in self.rules:  # already sorted, so every bucket is too
            self._buckets[(rule.category, rule.area)].append((rank_key(rule), rule))

    def _category_keys(self, facts: Facts) -> list[str]:
        keys = [""]
        if facts.category and _is_code(facts.category):
            parts = facts.category.split(".")
            keys += [".".join(parts[: i + 1]) for i in range(len(parts))]
        keys += [n for n in dict.fromkeys((facts.category, *facts.category_names)) if n and not _is_code(n)]
        return keys

    def _candidates(self, facts: Facts) -> Iterable[Rule]:
        areas = [""] + [a for a in (facts.district, facts.street, facts.community, facts.grid) if a]
        lists = [bucket for c in self._category_keys(facts) for a in areas if (bucket := self._buckets.get((c, a)))]
        if len(lists) == 1:
            return (r for _, r in lists[0])
        # Lazy merge: the walk stops after the winner's priority, so most rows are never touched.
        return (r for _, r in heapq.merge(*lists))

    def match(self, facts: Facts) -> Decision | None:
        """Return the same decision as ``match_rules`` over all rules, looking only at candidate buckets."""
        return _decide(self._candidates(facts), facts, self.unit_names)

    def __len__(self) -> int:
        return len(self.rules)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split("|") if v.strip())


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "是")


def load_rules(path: str | Path = DEMO_RESPONSIBILITY_LIST) -> list[Rule]:
    """Read a responsibility list CSV (see ``RULE_COLUMNS``) into rules."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Rule(
                id=row["id"].strip(),
                priority=int(row["priority"]),
                category=(row.get("category") or "").strip(),
                area=(row.get("area") or "").strip(),
                kind=(row.get("kind") or "").strip(),
                keywords=_split(row.get("keywords")),
                lead_unit=row["lead_unit"].strip(),
                co_units=_split(row.get("co_units")),
                direct=_flag(row.get("direct")),
                grid_first=_flag(row.get("grid_first")),
                legal_basis=(row.get("legal_basis") or "").strip(),
                enabled=_flag(row.get("enabled") or "1"),
            )
            for row in csv.DictReader(fh)
        ]


RULE_COLUMNS = (
    "id",
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
