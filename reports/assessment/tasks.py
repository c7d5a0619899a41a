"""考评 jobs: close last month once it is over (idempotent), and seed the demo schemes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.core.effects import commit
from hotline.core.extensions import db
from reports.assessment.models import AssessmentScheme
from reports.assessment.schemes import DEMO_SCHEMES, save_scheme
from reports.assessment.services import close_previous_month


def close_last_month() -> list[str]:
    """Store last month's results for every scheme not closed yet; return the scheme codes closed."""
    closed = close_previous_month(db.session)
    commit(db.session)
    return closed


def seed_demo_schemes(session: Session) -> int:
    """Demo seeder: install the demo schemes that do not exist yet (as the first admin)."""
    admin = session.scalar(select(User).where(User.role == Role.ADMIN.value).order_by(User.id).limit(1))
    created = 0
    for code, name, definition in DEMO_SCHEMES:
        if session.scalar(select(AssessmentScheme.id).where(AssessmentScheme.code == code).limit(1)):
            continue
        if admin is None:
            continue
        save_scheme(session, code, name, definition, admin, effective_from="2000-01", note="演示方案")
        created += 1
    return created
