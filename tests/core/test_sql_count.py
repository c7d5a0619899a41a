"""The opt-in ``X-SQL-Statements`` header counts exactly the statements a request sent (benchmarks read it)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import create_engine, text

from hotline.core import sql_count


def _app(tmp_path) -> Flask:
    app = Flask(__name__)
    engine = create_engine(f"sqlite:///{tmp_path / 'count.db'}")
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")  # as ticket numbers have an engine of their own
    sql_count.enable(app)

    @app.get("/three")
    def three():
        with engine.connect() as conn:
            for n in range(2):
                conn.execute(text(f"SELECT {n}"))
        with other.connect() as conn:
            conn.execute(text("SELECT 2"))
        return "ok"

    @app.get("/none")
    def none():
        return "ok"

    with engine.connect() as conn:  # outside any request: not counted anywhere
        conn.execute(text("SELECT 42"))
    return app


def test_the_header_counts_the_requests_own_statements(tmp_path):
    client = _app(tmp_path).test_client()
    assert client.get("/three").headers[sql_count.HEADER] == "3"
    assert client.get("/none").headers[sql_count.HEADER] == "0"
    assert client.get("/three").headers[sql_count.HEADER] == "3"  # per request, not cumulative


def test_enabling_twice_counts_each_statement_once(tmp_path):
    app = _app(tmp_path)
    sql_count.enable(app)
    assert app.test_client().get("/three").headers[sql_count.HEADER] == "3"
