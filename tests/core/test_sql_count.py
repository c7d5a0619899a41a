"""The opt-in ``X-SQL-Statements`` header counts exactly the statements a request sent (benchmarks read it)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import create_engine, text

from hotline.core import sql_count


def _app(tmp_path) -> Flask:
    app = Flask(__name__)
    engine = create_engine(f"sqlite:///{tmp_path / 'count.db'}")
    sql_count.enable(app, engine)

    @app.get("/three")
    def three():
        with engine.connect() as conn:
            for n in range(3):
                conn.execute(text(f"SELECT {n}"))
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
