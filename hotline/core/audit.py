"""The admin audit: every change an administrator makes (users, units, grids, time limits, categories,
models, the 万件清理 ledger) as who, when, what, before and after — append-only, shown on /admin/audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from hotline.auth.roles import ROLE_NAMES
from hotline.core.clock import now
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.tickets.limits import STAGE_NAMES
from hotline.tickets.models import KIND_NAMES, URGENCY_NAMES
from hotline.units.models import UNIT_KIND_NAMES

ENTITY_NAMES = {
    "user": "用户",
    "unit": "单位/网格",
    "time_limit": "时限规则",
    "category": "分类",
    "model_version": "模型版本",
    "ledger": "万件清理台账",
    "reminder": "临期提醒",
}
ACTION_NAMES = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "disable": "停用",
    "enable": "启用",
    "promote": "启用模型",
    "strike_off": "销号",
    "reset_password": "重置密码",
    "read": "标记已读",
}


# The audited fields as people read them on /admin/audit.
FIELD_NAMES = {
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "unit": "单位",
    "active": "启用",
    "code": "编码",
    "name": "名称",
    "kind": "类型",
    "parent": "上级",
    "preset": "预设",
    "stage": "阶段",
    "amount": "时长",
    "category_prefix": "分类",
    "area_code": "区域",
    "urgency": "紧急程度",
    "note": "说明",
    "path": "路径",
    "start_date": "开始日期",
    "backlog": "纳入件数",
    "struck_off": "销号工单",
    "number": "工单编号",
    "read_at": "已读时间",
    "enterprise": "涉企",
}


# Coded values of the audited fields, as people read them (a value not listed, such as a unit code, stays).
VALUE_NAMES: dict[str, dict[str, str]] = {
    "stage": dict(STAGE_NAMES),
    "unit": {"minutes": "分钟", "hours": "小时（自然）", "working_hours": "工作小时", "working_days": "工作日"},
    "kind": {**KIND_NAMES, **UNIT_KIND_NAMES},
    "urgency": dict(URGENCY_NAMES),
    "role": {r.value: n for r, n in ROLE_NAMES.items()},
}


def describe(record: dict | None) -> list[tuple[str, str]]:
    """Return an audited record as (label, value) pairs in Chinese (empty values and row ids left out)."""
    out = []
    for key, value in (record or {}).items():
        if value is None or value == "" or value == [] or key == "id":
            continue
        if isinstance(value, str):
            value = VALUE_NAMES.get(key, {}).get(value, value)
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, list):
            value = "、".join(map(str, value))
        out.append((FIELD_NAMES.get(key, key), str(value)))
    return out


class AdminChange(db.Model):
    """One admin change: who, when, which record, and the record before and after."""

    __tablename__ = "admin_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, index=True)

    actor = relationship("User")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "actor": self.actor.username if self.actor else "system",
            "actor_name": self.actor.display_name if self.actor else "系统",
            "entity": self.entity,
            "entity_name": ENTITY_NAMES.get(self.entity, self.entity),
            "entity_key": self.entity_key,
            "action": self.action,
            "action_name": ACTION_NAMES.get(self.action, self.action),
            "before": self.before,
            "after": self.after,
            "at": self.created_at.isoformat(),
        }


def record_admin_change(
    session: Session,
    actor: object,
    entity: str,
    entity_key: object,
    action: str,
    *,
    before: dict | None = None,
    after: dict | None = None,
) -> AdminChange:
    """Append one admin change (flushes; the request commits)."""
    change = AdminChange(
        actor_id=getattr(actor, "id", None),
        entity=entity,
        entity_key=str(entity_key)[:120],
        action=action,
        before=before,
        after=after,
        created_at=now(),
    )
    session.add(change)
    session.flush()
    return change


def list_admin_changes(session: Session, *, entity: str | None = None, limit: int = 200) -> list[AdminChange]:
    """Return the latest admin changes, newest first."""
    query = select(AdminChange).order_by(AdminChange.id.desc()).limit(limit)
    if entity:
        query = query.where(AdminChange.entity == entity)
    return list(session.scalars(query))
