"""The demo city (SPEC §5 "Demo data"): units, users, and what the other packages seed.

Idempotent: running it twice leaves one copy. Lives at the top layer because it touches every package.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.services import create_user
from hotline.core import clock
from hotline.core.wiring import startup_hooks
from hotline.units.services import get_unit_by_code, load_units_csv

DEMO_PASSWORD = "demo-12345"
# The demo keeps the pilot's rule (督办员 and 管理员 sign in with a TOTP second factor) with published secrets, so
# anyone can add them to an authenticator app or print a code (README "Demo logins"). Demo only, like the password.
DEMO_TOTP_SECRETS = {"supervisor1": "HOTLINEDEMOSUPERVISOR234", "admin1": "HOTLINEDEMOADMINSECRET23"}
DEMO_UNITS = Path(__file__).resolve().parents[1] / "dispatch" / "data" / "demo_units.csv"

# (username, role, unit code, display name)
DEMO_USERS = (
    ("agent1", "agent", "A", "话务员小李"),
    ("agent2", "agent", "A", "话务员小王"),
    ("dispatcher1", "dispatcher", "A", "派单员老张"),
    ("handler1", "handler", "A1", "A1区承办人"),
    ("handler2", "handler", "JTJ", "市交通运输局承办人"),
    ("grid1", "grid_worker", "A1-01-01-G01", "网格员陈师傅"),
    ("supervisor1", "supervisor", "A", "督办员刘主任"),
    ("admin1", "admin", "A", "系统管理员"),
)


def demo_code(username: str) -> str | None:
    """Return the current TOTP code of a demo user with a second factor (None for the others)."""
    import pyotp

    secret = DEMO_TOTP_SECRETS.get(username)
    return pyotp.TOTP(secret).now() if secret else None


def seed_users(session: Session) -> int:
    """Create the demo users that do not exist yet; return how many were created."""
    created = 0
    for username, role, unit_code, name in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)):
            continue
        user = create_user(session, username, DEMO_PASSWORD, role, get_unit_by_code(session, unit_code), name)
        if username in DEMO_TOTP_SECRETS:
            user.totp_secret, user.totp_enabled_at = DEMO_TOTP_SECRETS[username], clock.now()
        created += 1
    return created


def seed_demo(session: Session) -> dict:
    """Load every part of the demo city; return what was created."""
    summary = {"units": load_units_csv(session, DEMO_UNITS), "users": seed_users(session)}
    for name, seeder in startup_hooks().demo_seeders.items():
        summary[name] = seeder(session)
    return summary
