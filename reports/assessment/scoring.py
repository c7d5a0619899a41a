"""Turn a unit's facts into a score, line by line, and rank the units (pure functions, no database)."""

from __future__ import annotations

from reports.assessment.facts import UnitFacts
from reports.assessment.schemes import BONUSES, DEDUCTIONS, MEASURES, MeasureRule, PointRule, Scheme


def _rate(numerator: float, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _measure_item(rule: MeasureRule, facts: UnitFacts, scheme: Scheme) -> dict:
    callbacks = facts.callbacks
    if rule.measure != "response_rate":
        # Kinds scored on 响应率 only (e.g. 咨询) leave the 解决率 and 满意率 samples.
        callbacks = [c for c in callbacks if c.kind not in scheme.response_only_kinds]
    if rule.measure == "response_rate":
        hits = [c for c in callbacks if c.contacted]
        numerator: float = len(hits)
        how = "已联系 ÷ 有效回访"
    elif rule.measure == "resolution_rate":
        hits = [c for c in callbacks if c.resolved]
        numerator = len(hits)
        how = "已解决 ÷ 有效回访"
    else:
        hits = [c for c in callbacks if c.satisfied]
        basic = sum(1 for c in hits if c.basic)
        numerator = (len(hits) - basic) + rule.basic_weight * basic
        how = (
            f"（满意 + {rule.basic_weight:g} × 基本满意）÷ 有效回访"
            if rule.basic_weight != 1
            else "满意（含基本满意）÷ 有效回访"
        )
    value = _rate(numerator, len(callbacks))
    # No sample for this measure (e.g. only 咨询 callbacks): nothing to judge, so the weight is not lost.
    points = rule.weight if value is None else rule.weight * value
    item = {
        "measure": rule.measure,
        "name": MEASURES[rule.measure],
        "kind": "measure",
        "weight": rule.weight,
        "value": None if value is None else round(value, 4),
        "points": round(points, 2),
        "numerator": round(numerator, 4),
        "denominator": len(callbacks),
        "explanation": (
            f"{how} = {numerator:g} ÷ {len(callbacks)}，× 权重 {rule.weight:g} = {points:.2f} 分"
            if value is not None
            else f"无有效回访样本，按满分 {rule.weight:g} 分计"
        ),
        "numbers": {"numerator": [c.number for c in hits], "denominator": [c.number for c in callbacks]},
        "_points": points,
    }
    if rule.measure == "satisfaction_rate":
        item["basically_satisfied"] = sum(1 for c in hits if c.basic)
    return item


def _point_item(rule: PointRule, numbers: list[str], sign: int, names: dict[str, str]) -> dict:
    raw = len(numbers) * rule.points
    points = raw if rule.cap is None else min(raw, rule.cap)
    capped = rule.cap is not None and raw > rule.cap
    verb = "扣" if sign < 0 else "加"
    return {
        "measure": rule.kind,
        "name": names[rule.kind],
        "kind": "deduction" if sign < 0 else "bonus",
        "value": len(numbers),
        "points": round(sign * points, 2),
        "numerator": len(numbers),
        "denominator": None,
        "explanation": (
            f"{len(numbers)} 件 × {rule.points:g} 分 = {verb} {raw:g} 分"
            + (f"，封顶 {rule.cap:g} 分" if capped else "")
        ),
        "numbers": {"numerator": list(numbers), "denominator": []},
        "_points": sign * points,
    }


def score_unit(scheme: Scheme, facts: UnitFacts) -> dict:
    """Return ``{score, items, valid_callbacks}`` for one unit's month under ``scheme``."""
    items = [_measure_item(rule, facts, scheme) for rule in scheme.measures]
    items += [_point_item(rule, facts.numbers_for(rule.kind), -1, DEDUCTIONS) for rule in scheme.deductions]
    for rule in scheme.bonuses:
        quick = [n for n, hours in facts.replies if hours <= rule.within_working_hours]
        item = _point_item(rule, quick, 1, BONUSES)
        item["explanation"] = f"派单后 {rule.within_working_hours:g} 个工作时内答复，" + item["explanation"]
        items.append(item)
    total = sum(item.pop("_points") for item in items)
    score = min(max(total, 0.0), scheme.max_score)
    return {
        "score": round(score, 2),
        "raw_score": round(total, 2),
        "items": items,
        "valid_callbacks": len(facts.callbacks),
    }


def rank_units(rows: list[dict], scheme: Scheme) -> None:
    """Set ``rank`` (1 = best; equal scores share a rank) on rows with enough sample, else a ``rank_reason``."""
    eligible = []
    for row in rows:
        if row["valid_callbacks"] < scheme.min_sample:
            row["rank"] = None
            row["rank_reason"] = (
                f"样本不足：有效回访 {row['valid_callbacks']} 件，少于 {scheme.min_sample} 件不参与排名"
            )
        else:
            row["rank_reason"] = None
            eligible.append(row)
    eligible.sort(key=lambda r: -r["score"])
    previous, position = None, 0
    for index, row in enumerate(eligible, start=1):
        if row["score"] != previous:
            position, previous = index, row["score"]
        row["rank"] = position
