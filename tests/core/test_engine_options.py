"""PostgreSQL sessions start with the settings short OLTP queries want (no JIT, no parallel workers)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from hotline.core.config import _engine_options
from tests.conftest import PG_URL


def test_postgres_sessions_turn_jit_and_parallel_plans_off_unless_asked(monkeypatch):
    monkeypatch.delenv("HOTLINE_DB_JIT", raising=False)
    monkeypatch.delenv("HOTLINE_DB_PARALLEL", raising=False)
    options = _engine_options("postgresql+psycopg://db/hotline")["connect_args"]["options"]
    assert options == "-c jit=off -c max_parallel_workers_per_gather=0"
    monkeypatch.setenv("HOTLINE_DB_PARALLEL", "1")
    assert _engine_options("postgresql+psycopg://db/hotline")["connect_args"]["options"] == "-c jit=off"
    monkeypatch.setenv("HOTLINE_DB_JIT", "1")
    assert "connect_args" not in _engine_options("postgresql+psycopg://db/hotline")
    assert "connect_args" not in _engine_options("sqlite:///x.db")


@pytest.mark.postgres
def test_a_real_session_runs_with_them(monkeypatch):
    monkeypatch.delenv("HOTLINE_DB_JIT", raising=False)
    monkeypatch.delenv("HOTLINE_DB_PARALLEL", raising=False)
    engine = create_engine(PG_URL, **_engine_options(PG_URL))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
            assert conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
    finally:
        engine.dispose()
