"""派单准确率-style evaluation of a responsibility list on labelled messages (category = the label)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dispatch.gazetteer import AddressMatcher
from dispatch.rules import Facts, RuleBook

# The department that owns each first-level category in the demo city: the yardstick for "right unit".
EXPECTED_DEPARTMENTS: dict[str, str] = {
    "城乡建设": "ZJJ",
    "劳动和社会保障": "RSJ",
    "教育文体": "JYJ",
    "商贸旅游": "SWJ",
    "环境保护": "SHJ",
    "卫生计生": "WJW",
    "交通运输": "JTJ",
}
_WS = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    """One message with its official first-level label."""

    id: str
    text: str
    label: str


@dataclass
class AccuracyReport:
    """Counts behind the dispatch accuracy shares."""

    n: int = 0
    specific_rule: int = 0  # matched a rule other than a fallback row
    expected_or_local: int = 0  # lead unit = the category's department, or the resolved district/street
    expected_department: int = 0
    local_unit: int = 0
    direct: int = 0
    address_district: int = 0
    address_grid: int = 0
    ambiguous: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    by_label: dict[str, Counter[str]] = field(default_factory=dict)

    def shares(self) -> dict[str, float]:
        """Return each count as a share of the messages evaluated."""
        n = self.n or 1
        keys = (
            "specific_rule",
            "expected_or_local",
            "expected_department",
            "local_unit",
            "direct",
            "address_district",
            "address_grid",
            "ambiguous",
        )
        return {k: round(getattr(self, k) / n, 4) for k in keys}


def load_messages(path: str | Path, split: str | None = None) -> list[LabelledMessage]:
    """Read messages.csv rows (``id,title,detail,…,label,…,split``) with whitespace normalised."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            LabelledMessage(r["id"], _WS.sub("", f"{r['title']}。{r['detail']}"), r["label"])
            for r in csv.DictReader(fh)
            if split is None or r.get("split") == split
        ]


def evaluate(
    messages: Iterable[LabelledMessage],
    book: RuleBook,
    matcher: AddressMatcher,
    expected: Mapping[str, str] = EXPECTED_DEPARTMENTS,
) -> AccuracyReport:
    """Dispatch every message through the list and count how often it lands where it should."""
    report = AccuracyReport()
    for m in messages:
        area = matcher.match(m.text)
        facts = Facts(
            category=m.label,
            district=area.district if area else "",
            street=area.street if area else "",
            community=area.community if area else "",
            grid=area.grid_code if area else "",
            text=m.text,
        )
        decision = book.match(facts)
        report.n += 1
        report.address_district += bool(area and area.district)
        report.address_grid += bool(area and area.grid_code)
        if decision is None:
            continue
        report.by_rule[decision.rule_id] += 1
        label_counts = report.by_label.setdefault(m.label, Counter())
        label_counts["n"] += 1
        report.specific_rule += not decision.fallback
        report.ambiguous += decision.ambiguous
        report.direct += decision.direct
        is_expected = decision.lead_unit == expected.get(m.label)
        # A district, its streets and grids all count as "the place" handling it (属地).
        is_local = bool(facts.district) and decision.lead_unit in (facts.district, facts.street)
        report.expected_department += is_expected
        report.local_unit += is_local
        report.expected_or_local += is_expected or is_local
        label_counts["expected_or_local"] += is_expected or is_local
        label_counts["specific_rule"] += not decision.fallback
    return report
