"""Fixtures: the app on a fresh database built by the migrations, cleaned after every test.

The database is PostgreSQL when ``HOTLINE_TEST_DATABASE_URL`` is set (``make test`` sets it when the
server is there), else an SQLite file; Redis is used when ``HOTLINE_TEST_REDIS_URL`` is set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

PG_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL")
DEMO_PASSWORD = "demo-12345"
# The roles that need a second factor by default (HOTLINE_SECOND_FACTOR_ROLES): the world enrols its users of
# those roles, as a centre would, and keeps their one-time recovery codes for the suite's sign-ins.
SECOND_FACTOR_ROLES = ("admin", "supervisor")
RECOVERY_CODES: dict[str, list[str]] = {}


def second_factor(username: str) -> str | None:
    """Return an unused recovery code of a world user who has a second factor (None for the others).

    Recovery codes rather than TOTP codes: a TOTP code is accepted once per 30-second step, and a test may
    sign the same supervisor in twice within one step.
    """
    codes = RECOVERY_CODES.get(username)
    return codes.pop() if codes else None


def login_form(username: str) -> dict:
    """Return the /login form fields for a world user (with the second factor when they have one)."""
    code = second_factor(username)
    return {"username": username, "password": DEMO_PASSWORD} | ({"otp": code} if code else {})


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    # Hash strength is not under test here; 600k PBKDF2 rounds per user would dominate the suite.
    import hotline.auth.services

    hotline.auth.services.PASSWORD_METHOD = "pbkdf2:sha256:1000"


def pytest_collection_modifyitems(config, items):
    """Deselect tests for servers this pass does not use; ``make test`` runs them in its PostgreSQL+Redis pass."""
    keep, drop = [], []
    for item in items:
        needs_missing = ("postgres" in item.keywords and not PG_URL) or ("redis" in item.keywords and not REDIS_URL)
        (drop if needs_missing else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    from hotline.core.scratch_db import scratch_database

    with scratch_database(PG_URL, "hotline_test") as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    from hotline.app import create_app

    models_dir = tmp_path_factory.mktemp("models")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": REDIS_URL,
            "WTF_CSRF_ENABLED": False,
            "HOTLINE_MODELS_DIR": str(models_dir),
            "HOTLINE_BACKGROUND_SCHEDULER": False,
            # Each test has its own tickets: the dashboard's once-a-minute totals would carry the last test's.
            # tests/console/test_dashboard_counts.py checks that cache with its own setting.
            "HOTLINE_DONE_COUNTS_SECONDS": 0,
            "HOTLINE_REFERENCE_SECONDS": 0,  # tests edit reference rows directly; tests/core/test_recent.py keeps them
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        from hotline.core.extensions import db

        db.engine.dispose()


def _table_names(db) -> list[str]:
    return [t.name for t in reversed(db.metadata.sorted_tables)]


def _empty_tables(db) -> None:
    with db.engine.begin() as conn:
        names = [n for n in _table_names(db) if conn.dialect.has_table(conn, n)]
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(autouse=True)
def _clean_tables(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from hotline.core.extensions import db

    with app.app_context():
        db.session.remove()
        # On the Redis pass a request's relay runs in a background task after the answer; one still finishing
        # can deadlock with the TRUNCATE. PostgreSQL then aborts one side: wait a moment and truncate again.
        for attempt in range(5):
            try:
                _empty_tables(db)
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.5)
    # The process-wide predictor trusts its idea of the active model for a few seconds (by design, to spare
    # the database); with the tables emptied, the next test must not inherit the previous test's model.
    from hotline.classification.services import PREDICTOR_CACHE

    if PREDICTOR_CACHE.is_bound(app):
        PREDICTOR_CACHE.get(app).forget()


@pytest.fixture
def jobs_in_process(app, monkeypatch):
    """Run deferred jobs in this process even on the Redis pass, so a test sees their effect at once."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    return app


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for service-level tests."""
    with app.app_context():
        yield
        from hotline.core.extensions import db

        db.session.remove()


@pytest.fixture
def session(ctx):
    from hotline.core.extensions import db

    return db.session


@dataclass
class World:
    """A small city: 市 → A1区 → 街道 → 社区 → 网格, 市交通运输局, and one user per role (as codes/usernames)."""

    unit_codes: tuple[str, ...]
    usernames: tuple[str, ...]

    def unit(self, code: str):
        from hotline.core.extensions import db
        from hotline.units.services import get_unit_by_code

        return get_unit_by_code(db.session, code)

    def user(self, username: str):
        from sqlalchemy import select

        from hotline.auth.models import User
        from hotline.core.extensions import db

        return db.session.scalar(select(User).where(User.username == username))


WORLD_UNITS = (
    ("A", "A市", "city", None),
    ("A1", "A1区", "district", "A"),
    ("A1-01", "东风街道", "street", "A1"),
    ("A1-01-01", "东风社区", "community", "A1-01"),
    ("A1-01-01-G01", "东风社区第一网格", "grid", "A1-01-01"),
    ("A2", "A2区", "district", "A"),
    ("JTJ", "市交通运输局", "department", "A"),
)
WORLD_USERS = (
    ("agent1", "agent", "A"),
    ("dispatcher1", "dispatcher", "A"),
    ("handler1", "handler", "A1"),
    ("street1", "handler", "A1-01"),
    ("handler2", "handler", "JTJ"),
    ("grid1", "grid_worker", "A1-01-01-G01"),
    ("supervisor1", "supervisor", "A"),
    ("admin1", "admin", "A"),
)


@pytest.fixture
def world(app) -> World:
    """Build the small city in its own app context, so requests in the test get fresh sessions."""
    from hotline.auth.second_factor import confirm_enrolment, start_enrolment
    from hotline.auth.services import create_user
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.units.services import create_unit

    RECOVERY_CODES.clear()
    with app.app_context():
        units: dict = {}
        for code, name, kind, parent in WORLD_UNITS:
            units[code] = create_unit(db.session, code, name, kind, units.get(parent) if parent else None)
        for username, role, unit in WORLD_USERS:
            user = create_user(db.session, username, DEMO_PASSWORD, role, units[unit])
            if role in SECOND_FACTOR_ROLES:
                secret = start_enrolment(db.session, user)
                RECOVERY_CODES[username] = confirm_enrolment(db.session, user, pyotp.TOTP(secret).now(), clock.now())
        db.session.commit()
        db.session.remove()
    return World(tuple(u[0] for u in WORLD_UNITS), tuple(u[0] for u in WORLD_USERS))


class ApiClient:
    """A test client that logs in with a bearer token per user and speaks JSON."""

    def __init__(self, client) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post("/api/v1/auth/token", json=login_form(username))
            assert response.status_code == 200, response.get_json()
            self.tokens[username] = response.get_json()["token"]
        return self.tokens[username]

    def _headers(self, username: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def get(self, path: str, as_: str | None = None, **kwargs):
        return self.client.get(path, headers=self._headers(as_), **kwargs)

    def post(self, path: str, as_: str | None = None, json: dict | None = None, **kwargs):
        return self.client.post(path, headers=self._headers(as_), json=json, **kwargs)

    def act(self, number: str, action: str, as_: str, **body):
        return self.post(f"/api/v1/tickets/{number}/{action}", as_=as_, json=body)

    def new_ticket(self, as_: str = "agent1", **body) -> dict:
        payload = {
            "channel": "phone",
            "content": "小区门口路灯坏了一个月，晚上很黑",
            "caller_phone": "13812345678",
        } | body
        response = self.post("/api/v1/tickets", as_=as_, json=payload)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()["ticket"]


@pytest.fixture
def api(app, world) -> ApiClient:
    return ApiClient(app.test_client())
