"""The time-limit table (SPEC §4) as data: built-in presets, overridable row by row in the database.

A stage's built-in rows come from the chosen preset when it defines that stage (else from ``default``).
Rows edited in the database layer over them: a stored row replaces only the built-in row with the same
match (kind, urgency, category, area, 涉企) and adds itself otherwise, so one category-specific row never
hides the rest of the stage. Among the matching rows the most specific wins: category beats area beats
urgency beats 涉企 beats kind. A row with ``enterprise`` set applies to 涉企 tickets only (their limits are
usually shorter).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core.clock import Duration
from hotline.core.errors import DomainError
from hotline.core.recent import Recent
from hotline.tickets.models import KIND_NAMES, KINDS, URGENCIES, URGENCY_NAMES, TimeLimit

LIMIT_STAGES = ("dispatch", "accept", "reply", "callback", "return_window", "extension")
STAGE_NAMES = {
    "dispatch": "派单",
    "accept": "签收",
    "reply": "办结",
    "callback": "回访",
    "return_window": "退单时限",
    "extension": "延期",
}
MAX_EXTENSIONS = 3


@dataclass(frozen=True)
class LimitRow:
    stage: str
    amount: float
    unit: str
    kind: str | None = None
    urgency: str | None = None
    category_prefix: str | None = None
    area_code: str | None = None
    note: str | None = None
    enterprise: bool | None = None

    def matches(
        self, kind: str, urgency: str, category: str | None, area_codes: tuple[str, ...], enterprise: bool = False
    ) -> bool:
        return (
            (not self.enterprise or enterprise)
            and (self.kind is None or self.kind == kind)
            and (self.urgency is None or self.urgency == urgency)
            and (self.category_prefix is None or (category or "").startswith(self.category_prefix))
            and (self.area_code is None or self.area_code in area_codes)
        )

    def key(self) -> tuple[str | None, ...]:
        """Return what the row matches on: a stored row with the same key replaces a built-in one."""
        return (self.kind, self.urgency, self.category_prefix, self.area_code, bool(self.enterprise))

    def specificity(self) -> int:
        return (
            16 * (self.category_prefix is not None)
            + 8 * (self.area_code is not None)
            + 4 * (self.urgency is not None)
            + 2 * bool(self.enterprise)
            + (self.kind is not None)
        )


def _r(stage: str, amount: float, unit: str, **match: str | bool) -> LimitRow:
    return LimitRow(stage, amount, unit, **match)


PRESETS: dict[str, tuple[LimitRow, ...]] = {
    "default": (
        _r("dispatch", 2, "working_hours"),
        _r("dispatch", 30, "minutes", urgency="urgent"),
        _r("accept", 1, "working_days"),
        _r("accept", 1, "hours", urgency="urgent"),
        _r("reply", 15, "working_days"),
        _r("reply", 5, "working_days", kind="consult"),
        _r("reply", 5, "working_days", kind="help"),
        _r("reply", 5, "working_days", kind="praise"),
        _r("reply", 24, "hours", urgency="urgent"),
        _r("extension", 5, "working_days"),
        _r("return_window", 1, "working_days"),
        _r("callback", 2, "working_days"),
        # 涉企 (营商环境) tickets: signed within 4 working hours, answered within 10 working days (3 for 咨询/求助).
        _r("accept", 4, "working_hours", enterprise=True),
        _r("reply", 10, "working_days", enterprise=True),
        _r("reply", 3, "working_days", enterprise=True, kind="consult"),
        _r("reply", 3, "working_days", enterprise=True, kind="help"),
    ),
    # 北京: reply by urgency 2 h / 24 h / 7 d / 15 d (natural days); callback when the reply limit expires.
    "beijing": (
        _r("reply", 15 * 24, "hours"),
        _r("reply", 7 * 24, "hours", kind="consult"),
        _r("reply", 7 * 24, "hours", kind="suggestion"),
        _r("reply", 7 * 24, "hours", kind="praise"),
        _r("reply", 24, "hours", kind="help"),
        _r("reply", 2, "hours", urgency="urgent"),
        _r("callback", 1, "working_days", note="到期即回访"),
    ),
    # 广东: consult 2 wd; help/suggestion 10 wd; complaint/report 15 wd.
    "guangdong": (
        _r("reply", 15, "working_days"),
        _r("reply", 2, "working_days", kind="consult"),
        _r("reply", 10, "working_days", kind="help"),
        _r("reply", 10, "working_days", kind="suggestion"),
        _r("reply", 2, "working_days", kind="praise"),
        _r("reply", 24, "hours", urgency="urgent"),
    ),
}


def _load_stored(session: Session) -> dict[tuple[str, str], tuple[LimitRow, ...]]:
    grouped: dict[tuple[str, str], list[LimitRow]] = {}
    for r in session.scalars(select(TimeLimit).order_by(TimeLimit.id)):
        row = LimitRow(
            r.stage, r.amount, r.unit, r.kind, r.urgency, r.category_prefix, r.area_code, r.note, r.enterprise
        )
        grouped.setdefault((r.preset, r.stage), []).append(row)
    return {key: tuple(rows) for key, rows in grouped.items()}


# Every intake asks for its dispatch limit: the table is read at most every HOTLINE_REFERENCE_SECONDS, and
# afresh after any row is written through the ORM in this process.
_STORED = Recent(_load_stored, written_by=(TimeLimit,))


def _stored_rows(session: Session, preset: str, stage: str) -> tuple[LimitRow, ...]:
    return _STORED.get(session).get((preset, stage), ())


def _built_in(preset: str, stage: str) -> tuple[str, tuple[LimitRow, ...]]:
    for name in (preset, "default"):
        rows = tuple(r for r in PRESETS.get(name, ()) if r.stage == stage)
        if rows:
            return name, rows
    return "default", ()


def rows_for(session: Session, preset: str, stage: str) -> tuple[LimitRow, ...]:
    """Return the rows that govern ``stage`` under ``preset``: the built-in rows with the stored rows over them."""
    base_preset, built_in = _built_in(preset, stage)
    layers = [built_in]
    if base_preset != preset:
        layers.append(_stored_rows(session, base_preset, stage))
    layers.append(_stored_rows(session, preset, stage))
    merged: dict[tuple[str | None, ...], LimitRow] = {}
    for layer in layers:
        for row in layer:
            merged.pop(row.key(), None)  # re-insert so the overriding row sits where it was edited
            merged[row.key()] = row
    return tuple(merged.values())


def uncovered(session: Session, preset: str, stage: str) -> list[tuple[str, str]]:
    """Return the (kind, urgency) pairs for which ``stage`` has no limit under ``preset`` (none is healthy)."""
    rows = [r for r in rows_for(session, preset, stage) if r.category_prefix is None and r.area_code is None]
    return [(k, u) for k in KINDS for u in URGENCIES if not any(r.matches(k, u, None, ()) for r in rows)]


def check_stage_covered(session: Session, preset: str, stage: str) -> None:
    """Refuse (409, with the reason) a table in which some ticket would find no limit for ``stage``."""
    gaps = uncovered(session, preset, stage)
    if gaps:
        pairs = "、".join(f"{KIND_NAMES.get(k, k)}·{URGENCY_NAMES.get(u, u)}" for k, u in gaps[:6])
        raise DomainError(
            409,
            "stage_without_limit",
            f"此修改会使“{STAGE_NAMES.get(stage, stage)}”阶段没有时限（{pairs}等），已拒绝；"
            "请保留一条不限分类、不限区域的通用规则",
            stage=stage,
        )


def limit_for(
    session: Session,
    preset: str,
    stage: str,
    *,
    kind: str,
    urgency: str,
    category: str | None = None,
    area_codes: tuple[str, ...] = (),
    enterprise: bool = False,
) -> Duration:
    """Return the time limit of ``stage`` for a ticket with these attributes (``enterprise`` = 涉企)."""
    candidates = [
        r for r in rows_for(session, preset, stage) if r.matches(kind, urgency, category, area_codes, enterprise)
    ]
    if not candidates:
        raise DomainError(
            409,
            "no_time_limit",
            f"时限表中没有适用于此工单的“{STAGE_NAMES.get(stage, stage)}”时限，请系统管理员补充",
            stage=stage,
        )
    # Most specific first; among equals the later row (an edit over a built-in) wins.
    best = max(enumerate(candidates), key=lambda pair: (pair[1].specificity(), pair[0]))[1]
    return Duration(best.amount, best.unit)
