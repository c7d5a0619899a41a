"""Knowledge-base fixtures: one database per backend (SQLite file, real PostgreSQL), built by the migration."""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.core.config import normalise_database_url
from hotline.core.extensions import db
from hotline.units.models import Unit

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "migrations" / "versions" / "0101_knowledge.py"
# The project's PostgreSQL pass sets HOTLINE_TEST_DATABASE_URL; the PostgreSQL half of these fixtures is
# marked ``postgres`` so the SQLite-only pass deselects it, like every other PostgreSQL test.
PG_ADMIN_URL = normalise_database_url(
    os.environ.get("HOTLINE_TEST_DATABASE_URL")
    or os.environ.get("KB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)


def load_migration():
    """Import the knowledge migration module from its file."""
    spec = importlib.util.spec_from_file_location("kb_migration_0101", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_migration(conn: sa.Connection, direction: str) -> None:
    """Run the migration's upgrade or downgrade on a connection."""
    ctx = MigrationContext.configure(conn, opts={"target_metadata": db.metadata})
    with Operations.context(ctx):
        getattr(load_migration(), direction)()


def build_schema(engine: sa.Engine) -> None:
    """Create the core tables we reference from the core's models, then our tables by migration."""
    with engine.begin() as conn:
        db.metadata.create_all(conn, tables=[Unit.__table__, User.__table__])
        run_migration(conn, "upgrade")


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kb_engine(request, tmp_path_factory) -> Iterator[sa.Engine]:
    """Yield an engine with the knowledge schema on each backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("kb") / "kb.sqlite"
        engine = sa.create_engine(f"sqlite:///{path}")
        build_schema(engine)
        yield engine
        engine.dispose()
        return
    from hotline.core.scratch_db import scratch_database

    with scratch_database(PG_ADMIN_URL, "kb_test") as url:
        engine = sa.create_engine(url)
        try:
            build_schema(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def kb_session(kb_engine: sa.Engine) -> Iterator[Session]:
    """Yield a session inside a transaction that is rolled back after the test."""
    conn = kb_engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


_counter = itertools.count(1)


@pytest.fixture
def kb_units(kb_session: Session) -> dict[str, Unit]:
    """Create a water company and a housing-fund centre."""
    n = next(_counter)
    units = {}
    for key, name in (("water", "市供水公司"), ("fund", "市住房公积金管理中心")):
        code = f"{key}{n}"
        unit = Unit(code=code, name=name, kind="department", path=f"/{code}/", active=True)
        kb_session.add(unit)
        units[key] = unit
    kb_session.flush()
    return units


@pytest.fixture
def kb_users(kb_session: Session, kb_units: dict[str, Unit]) -> dict[str, User]:
    """Create one user per role that matters here; the handler belongs to the water company."""
    n = next(_counter)
    users = {}
    for role in ("agent", "handler", "supervisor", "admin", "dispatcher"):
        user = User(
            username=f"{role}{n}",
            display_name=role,
            password_hash="x",
            role=role,
            unit_id=kb_units["water"].id,
            active=True,
        )
        kb_session.add(user)
        users[role] = user
    kb_session.flush()
    return users
