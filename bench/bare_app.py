"""The baseline of ``bench/hot_paths.py``: a bare Flask + Flask-SQLAlchemy app served the same way as ours.

``POST /bare`` inserts one row (the request's JSON text) into ``bench_bare`` and answers 201 with its id;
``GET /bare`` reads the newest 50 rows. Same database, same gevent WSGI server (what ``python -m hotline.serve``
uses with Redis), no auth, no validation, no events: what the stack itself costs.

Usage: DATABASE_URL=... PORT=... python bench/bare_app.py
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import datetime as dt  # noqa: E402  (after the monkey-patching, as in hotline.serve)
import os  # noqa: E402
import socket  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from gevent.pywsgi import WSGIHandler, WSGIServer  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Mapped, mapped_column  # noqa: E402

db = SQLAlchemy()


class BareRow(db.Model):
    __tablename__ = "bench_bare"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()


def create() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 10, "max_overflow": 10}
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.post("/bare")
    def insert():
        row = BareRow(body=request.get_data(as_text=True), created_at=dt.datetime.now(dt.UTC))
        db.session.add(row)
        db.session.commit()
        return jsonify({"id": row.id}), 201

    @app.get("/bare")
    def newest():
        rows = db.session.scalars(select(BareRow).order_by(BareRow.id.desc()).limit(50))
        return jsonify([{"id": r.id, "created_at": r.created_at.isoformat()} for r in rows])

    return app


class NoDelayHandler(WSGIHandler):
    """Nagle off on each connection, as ``hotline.core.gevent_server.nodelay_handler`` serves (the baseline stays bare:
    it imports nothing of the project)."""

    def __init__(self, sock, address, server, rfile=None) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, address, server, rfile)


if __name__ == "__main__":
    address = ("127.0.0.1", int(os.environ.get("PORT") or 5099))
    WSGIServer(address, create(), log=None, handler_class=NoDelayHandler).serve_forever()
