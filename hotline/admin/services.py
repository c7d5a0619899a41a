"""Admin operations: each changes one record through its own package's service and records the change
(who, when, before, after) in the admin audit. Services flush; the page commits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import services as auth
from hotline.auth.models import User
from hotline.auth.passwords import check_password
from hotline.auth.policy import AuthPolicy
from hotline.auth.roles import Role
from hotline.auth.services import create_user, hash_password
from hotline.auth.throttle import LoginThrottle
from hotline.categories.models import Category
from hotline.classification.models import ModelVersion
from hotline.classification.services import promote
from hotline.core import clock
from hotline.core.audit import record_admin_change
from hotline.core.errors import DomainError
from hotline.tickets.limits import check_stage_covered
from hotline.tickets.models import TimeLimit
from hotline.units.models import Unit
from hotline.units.services import create_unit, get_unit_by_code


def user_record(user: User) -> dict:
    """Return what the audit keeps of a user (never the password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit": user.unit.code if user.unit else None,
        "active": user.active,
    }


def add_user(
    session: Session,
    actor: User,
    *,
    username: str,
    display_name: str,
    role: str,
    unit_code: str,
    password: str,
    policy: AuthPolicy,
) -> User:
    """Create a user whose password passes the centre's rules (admin audit and account trail)."""
    if not username.strip():
        raise DomainError(422, "missing_field", "请填写用户名", field="username")
    user = create_user(
        session,
        username.strip(),
        password,
        role,
        get_unit_by_code(session, unit_code),
        display_name.strip() or None,
        policy=policy,
        actor=actor,
    )
    record_admin_change(session, actor, "user", user.username, "create", after=user_record(user))
    return user


def update_user(session: Session, actor: User, user_id: int, *, display_name: str, role: str, unit_code: str) -> User:
    """Change a user's name, role and unit (audited, before and after); an admin cannot demote themself."""
    user = _get(session, User, user_id, "用户")
    if role not in {r.value for r in Role}:
        raise DomainError(422, "invalid_choice", "角色无效", field="role")
    if user.id == actor.id and role != user.role:
        raise DomainError(409, "self_role", "不能修改自己的角色")
    unit = get_unit_by_code(session, unit_code)
    before = user_record(user)
    user.display_name = display_name.strip() or user.username
    user.role = role
    user.unit = unit
    session.flush()
    after = user_record(user)
    if after != before:
        record_admin_change(session, actor, "user", user.username, "update", before=before, after=after)
    return user


def set_user_active(session: Session, actor: User, user_id: int, active: bool, *, address: str | None = None) -> User:
    """Enable or disable a user (admin audit and account trail); disabling ends their sessions and tokens at
    once. An admin cannot disable themself."""
    user = _get(session, User, user_id, "用户")
    if user.id == actor.id and not active:
        raise DomainError(409, "self_disable", "不能停用自己的账号")
    before = user_record(user)
    auth.set_user_active(session, actor, user, active, address=address)
    session.flush()
    record_admin_change(
        session, actor, "user", user.username, "enable" if active else "disable", before=before, after=user_record(user)
    )
    return user


def reset_password(
    session: Session, actor: User, user_id: int, password: str, policy: AuthPolicy, *, address: str | None = None
) -> User:
    """Set a new password that passes the centre's rules; the user's sessions and tokens end (audited in the
    admin audit and the account trail, never the password)."""
    user = _get(session, User, user_id, "用户")
    check_password(password, user.username, policy)
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    auth.record_auth_event(session, "password_reset", actor, user, address=address)
    auth.revoke_everything(session, user, actor, "password_reset", address=address)
    session.flush()
    record_admin_change(session, actor, "user", user.username, "reset_password")
    return user


SECURITY_CHANGES = {
    "reset_second_factor": "重置动态验证码",
    "revoke_sessions": "强制下线",
    "unlock": "解除登录锁定",
}


def account_security(
    session: Session, actor: User, user_id: int, change: str, throttle: LoginThrottle, *, address: str | None = None
) -> tuple[User, str]:
    """Run one account-security change on a user (each in the account trail); return the user and what was done."""
    user = _get(session, User, user_id, "用户")
    if change == "reset_second_factor":
        auth.reset_second_factor(session, actor, user, address=address)
    elif change == "revoke_sessions":
        auth.revoke_everything(session, user, actor, "admin", address=address)
    elif change == "unlock":
        throttle.unlock(user.username)
        auth.record_auth_event(session, "login_unlocked", actor, user, address=address)
    else:
        raise DomainError(400, "unknown_change", "未知的操作")
    session.flush()
    return user, SECURITY_CHANGES[change]


def unit_record(unit: Unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "active": unit.active,
    }


def add_unit(session: Session, actor: User, *, code: str, name: str, kind: str, parent_code: str) -> Unit:
    """Create a unit or grid under a parent (audited)."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError(422, "missing_field", "请填写编码和名称")
    if session.scalar(select(Unit).where(Unit.code == code)):
        raise DomainError(409, "unit_exists", f"单位编码已存在：{code}", field="code")
    parent = get_unit_by_code(session, parent_code) if parent_code.strip() else None
    unit = create_unit(session, code, name, kind, parent)
    record_admin_change(session, actor, "unit", unit.code, "create", after=unit_record(unit))
    return unit


def rename_unit(session: Session, actor: User, code: str, name: str) -> Unit:
    """Rename a unit or grid (audited)."""
    if not name.strip():
        raise DomainError(422, "missing_field", "请填写名称", field="name")
    unit = get_unit_by_code(session, code)
    before = unit_record(unit)
    unit.name = name.strip()[:120]
    session.flush()
    record_admin_change(session, actor, "unit", unit.code, "update", before=before, after=unit_record(unit))
    return unit


def limit_record(row: TimeLimit) -> dict:
    return {
        "id": row.id,
        "preset": row.preset,
        "stage": row.stage,
        "amount": row.amount,
        "unit": row.unit,
        "kind": row.kind,
        "urgency": row.urgency,
        "category_prefix": row.category_prefix,
        "area_code": row.area_code,
        "note": row.note,
        "enterprise": row.enterprise,
    }


def add_time_limit(session: Session, actor: User, row: TimeLimit) -> TimeLimit:
    """Add a time-limit row over the preset; refuse one that leaves its stage without a limit (audited)."""
    session.add(row)
    session.flush()
    check_stage_covered(session, row.preset, row.stage)
    record_admin_change(session, actor, "time_limit", row.id, "create", after=limit_record(row))
    return row


def delete_time_limit(session: Session, actor: User, row_id: int) -> None:
    """Delete a stored time-limit row (the built-in row it covered applies again) (audited)."""
    row = _get(session, TimeLimit, row_id, "时限规则")
    before = limit_record(row)
    session.delete(row)
    session.flush()
    check_stage_covered(session, before["preset"], before["stage"])
    record_admin_change(session, actor, "time_limit", row_id, "delete", before=before)


def category_record(category: Category) -> dict:
    return {"code": category.code, "name": category.name, "path": category.path_name, "active": category.active}


def add_category(session: Session, actor: User, *, parent_code: str, name: str) -> Category:
    """Add a category under a parent (the next dotted code) or a first-level one (audited)."""
    name = name.strip()
    if not name:
        raise DomainError(422, "missing_field", "请填写分类名称", field="name")
    parent = None
    if parent_code.strip():
        parent = session.scalar(select(Category).where(Category.code == parent_code.strip()))
        if parent is None:
            raise DomainError(422, "unknown_category", f"上级分类不存在：{parent_code}", field="parent")
        if parent.level >= 3:
            raise DomainError(422, "too_deep", "分类最多三级")
    siblings = list(
        session.scalars(
            select(Category.code).where(Category.parent_id == (parent.id if parent else None))
            if parent
            else select(Category.code).where(Category.level == 1)
        )
    )
    if parent is not None:
        taken = {int(c.rsplit(".", 1)[1]) for c in siblings if c.rsplit(".", 1)[-1].isdigit()}
        code = f"{parent.code}.{max(taken, default=0) + 1:02d}"
    else:
        code = f"X{len(siblings) + 1:02d}"
        while code in siblings:
            code = f"X{int(code[1:]) + 1:02d}"
    category = Category(
        code=code,
        name=name[:80],
        level=(parent.level + 1) if parent else 1,
        parent_id=parent.id if parent else None,
        path_name=f"{parent.path_name}/{name}" if parent else name,
        active=True,
    )
    session.add(category)
    session.flush()
    record_admin_change(session, actor, "category", code, "create", after=category_record(category))
    return category


def set_category_active(session: Session, actor: User, code: str, active: bool) -> Category:
    """Enable or disable a category (audited)."""
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise DomainError(404, "not_found", "分类不存在")
    before = category_record(category)
    category.active = active
    session.flush()
    record_admin_change(
        session,
        actor,
        "category",
        code,
        "enable" if active else "disable",
        before=before,
        after=category_record(category),
    )
    return category


def promote_model(session: Session, actor: User, version: str, models_root: Path, *, force: bool) -> ModelVersion:
    """Make a model version the active one (refused when it scores worse, unless forced) (audited)."""
    row = session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        raise DomainError(404, "not_found", "模型版本不存在")
    previous = session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
    if not promote(session, row, force=force, models_root=models_root):
        raise DomainError(
            409, "worse_model", "该版本在固定测试集上的 macro-F1 低于当前版本，未启用（可勾选“强制启用”）"
        )
    record_admin_change(
        session,
        actor,
        "model_version",
        version,
        "promote",
        before={"active": previous.version if previous else None},
        after={"active": version},
    )
    return row


def _get(session: Session, model: type, ident: int, what: str):
    row = session.get(model, ident)
    if row is None:
        raise DomainError(404, "not_found", f"{what}不存在")
    return row
