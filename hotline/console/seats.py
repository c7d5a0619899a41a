"""Agent seat skills (坐席技能), kept apart from the users table: e.g. ``business_env`` for the 营商环境专席.

An admin sets an agent's skills; every change is recorded (who, when, before, after). The switchboard's
涉企 calls pop only on agents holding ``business_env`` (see ``hotline.console.services.route_call``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.db_types import UTCDateTime
from hotline.core.errors import DomainError
from hotline.core.extensions import db

SKILLS = {"business_env": "营商环境专席"}
BUSINESS_ENV = "business_env"


class AgentSkill(db.Model):
    """One skill of one agent's seat."""

    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("user_id", "skill", name="uq_agent_skills_user_skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(String(40))


class AgentSkillChange(db.Model):
    """Audit of seat skills."""

    __tablename__ = "agent_skill_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    before: Mapped[list] = mapped_column(JSON)
    after: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def skills_of(session: Session, user: User) -> list[str]:
    """Return the agent's skills, sorted."""
    return sorted(session.scalars(select(AgentSkill.skill).where(AgentSkill.user_id == user.id)))


def set_skills(
    session: Session, agent: User, skills: list[str], actor: User, *, now: dt.datetime | None = None
) -> list[str]:
    """Give ``agent`` exactly ``skills`` (recorded); refuse unknown skills and non-agents with 422."""
    if agent.role_enum != Role.AGENT:
        raise DomainError(422, "not_an_agent", f"{agent.username} 不是话务员，不能设置坐席技能")
    unknown = [s for s in skills if s not in SKILLS]
    if unknown:
        raise DomainError(
            422, "invalid_choice", f"坐席技能无效：{'、'.join(unknown)}，可选：{'、'.join(SKILLS)}", field="skills"
        )
    before = skills_of(session, agent)
    after = sorted(set(skills))
    for row in session.scalars(select(AgentSkill).where(AgentSkill.user_id == agent.id)):
        if row.skill not in after:
            session.delete(row)
    for skill in set(after) - set(before):
        session.add(AgentSkill(user_id=agent.id, skill=skill))
    session.add(
        AgentSkillChange(user_id=agent.id, actor_id=actor.id, before=before, after=after, created_at=now or clock.now())
    )
    session.flush()
    return after


def has_skill(session: Session, username: str, skill: str) -> bool:
    """Tell whether the agent ``username`` holds ``skill``."""
    found = session.scalar(
        select(AgentSkill.id)
        .join(User, User.id == AgentSkill.user_id)
        .where(User.username == username, AgentSkill.skill == skill)
        .limit(1)
    )
    return found is not None
