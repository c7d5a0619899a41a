"""The ladder as ordered data: built-in presets, replaced per preset by the admin's rows in the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core.clock import Duration
from hotline.escalation.models import EscalationRule

STAGES = ("accept", "reply")
ACTIONS = ("urge", "supervise")
LEVELS = {"urged": "催办", "supervised": "督办", "escalated": "提级督办"}
TARGETS = {"unit": "承办单位", "unit_leader": "承办单位负责人", "parent_and_supervisor": "上级单位及中心督办员"}
STAGE_NAMES = {"accept": "签收", "reply": "答复"}


@dataclass(frozen=True)
class LadderRule:
    """Once ``stage``'s deadline is overdue by ``after``, take ``action`` (recorded as ``level``) towards ``target``."""

    code: str
    position: int
    stage: str
    after: Duration
    action: str
    level: str
    target: str
    name: str

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "position": self.position,
            "stage": self.stage,
            "after_amount": self.after.amount,
            "after_unit": self.after.unit,
            "after_label": self.after.label(),
            "action": self.action,
            "level": self.level,
            "level_name": LEVELS[self.level],
            "target": self.target,
            "target_name": TARGETS[self.target],
            "name": self.name,
        }


DEFAULT_LADDER: tuple[LadderRule, ...] = (
    LadderRule("accept_urge", 1, "accept", Duration(2, "working_hours"), "urge", "urged", "unit", "签收超时自动催办"),
    LadderRule(
        "reply_supervise",
        2,
        "reply",
        Duration(1, "working_days"),
        "supervise",
        "supervised",
        "unit_leader",
        "答复超期督办",
    ),
    LadderRule(
        "reply_escalate",
        3,
        "reply",
        Duration(3, "working_days"),
        "supervise",
        "escalated",
        "parent_and_supervisor",
        "答复超期提级督办",
    ),
)
PRESETS: dict[str, tuple[LadderRule, ...]] = {"default": DEFAULT_LADDER}


def _from_row(row: EscalationRule) -> LadderRule:
    return LadderRule(
        row.code,
        row.position,
        row.stage,
        Duration(row.after_amount, row.after_unit),
        row.action,
        row.level,
        row.target,
        row.name,
    )


def ladder_for(session: Session, preset: str) -> tuple[LadderRule, ...]:
    """Return the ladder of ``preset`` in order: the admin's rows when there are any, else the built-in one."""
    rows = list(
        session.scalars(
            select(EscalationRule)
            .where(EscalationRule.preset == preset)
            .order_by(EscalationRule.position, EscalationRule.id)
        )
    )
    if rows:
        return tuple(_from_row(r) for r in rows)
    return PRESETS.get(preset, DEFAULT_LADDER)
