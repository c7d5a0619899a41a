"""Ticket search over HTTP: the jieba token index (GET /api/v1/search) beside the LIKE scan of the list API
(GET /api/v1/tickets?q=), in the same run, on the same database.

    .venv/bin/python bench/search_bench.py [--tickets 30000] [--port 5122] [--database-url URL]

Builds a throw-away SQLite file (or uses --database-url, which it migrates and fills), inserts tickets with
realistic Chinese text, builds the index (timed), starts the real server (python -m hotline.serve), and times
word queries, a keyset walk by deadline, and a phone lookup. Prints one JSON line per measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXTS = [
    "{p}路灯不亮晚上很黑，老人出门不方便",
    "{p}小区工地夜间施工噪音扰民",
    "{p}占道经营堵塞交通",
    "{p}垃圾清运不及时有异味",
    "{p}公交站台破损无人维修",
    "{p}小区停车收费不合理",
    "{p}学校周边交通拥堵",
    "{p}供暖温度不达标",
    "{p}自来水水质浑浊发黄",
    "{p}拖欠农民工工资",
    "{p}违章搭建影响采光",
    "{p}餐馆油烟扰民",
    "{p}井盖缺失很危险",
]
PLACES = ["东风路", "解放路", "人民路", "幸福小区", "和平里", "建设街", "光明村", "朝阳社区", "滨河苑", "星沙大道"]
QUERIES = ["井盖", "油烟 扰民", "幸福小区 路灯", "农民工 工资", "供暖"]


def fill(app, n: int) -> float:
    """Insert ``n`` tickets and the bench user; return the seconds the search index took to build."""
    from sqlalchemy import insert

    from hotline.auth.services import create_user
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.search.index import catch_up
    from hotline.tickets.models import Ticket
    from hotline.units.services import create_unit

    rnd = random.Random(12345)
    with app.app_context():
        city = create_unit(db.session, "C", "市", "city")
        create_user(db.session, "bench", "bench-password", "dispatcher", city)  # city-wide, no second factor
        now = clock.now()
        rows = []
        for i in range(n):
            place = rnd.choice(PLACES)
            created = now - dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 365))
            rows.append(
                {
                    "number": f"2026{i:010d}",
                    "channel": "phone",
                    "title": rnd.choice(TEXTS).format(p=place)[:20],
                    "content": rnd.choice(TEXTS).format(p=place) + f"，第{i}次反映",
                    "address": f"{place}{rnd.randint(1, 200)}号",
                    "caller_phone": f"13{rnd.randint(100000000, 999999999)}",
                    "kind": "complaint",
                    "urgency": "normal",
                    "state": rnd.choice(["registered", "dispatched", "accepted", "closed"]),
                    "warning": "none",
                    "created_at": created,
                    "updated_at": created,
                    "dispatch_due": created + dt.timedelta(hours=2),
                    "accept_due": created + dt.timedelta(days=1),
                    "reply_due": created + dt.timedelta(days=15),
                    "deadline_clocks": {},
                    "version": 1,
                }
            )
            if len(rows) == 5000:
                db.session.execute(insert(Ticket), rows)
                rows = []
        if rows:
            db.session.execute(insert(Ticket), rows)
        db.session.commit()
        started = time.perf_counter()
        while catch_up(db.session, 5000):
            db.session.commit()
        return time.perf_counter() - started


def data_volume(app) -> dict:
    """Return the rows searched over and the database's size on disk."""
    from sqlalchemy import func, select, text

    from hotline.core.extensions import db
    from hotline.search.models import TicketSearchDoc
    from hotline.tickets.models import Ticket

    with app.app_context():
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        indexed = db.session.scalar(select(func.count()).select_from(TicketSearchDoc))
        if db.engine.dialect.name == "postgresql":
            size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            size = Path(db.engine.url.database).stat().st_size
        db.session.remove()
    return {"tickets": tickets, "indexed": indexed, "database_mb": round(size / 2**20, 1)}


def percentile(times: list[float], pct: float) -> float:
    """Return the nearest-rank ``pct`` percentile of ``times``."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def timed_get(session: requests.Session, url: str, repeat: int) -> tuple[float, float, int]:
    """Return (p50 ms, p99 ms, rows) of ``repeat`` GETs."""
    times, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        r = session.get(url, timeout=120)
        times.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
        rows = len(r.json()["tickets"])
    return percentile(times, 50), percentile(times, 99), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=30000)
    parser.add_argument("--port", type=int, default=5122)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")  # PostgreSQL means production settings: a fixed key
    from flask_migrate import upgrade

    from hotline.app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": os.environ["SECRET_KEY"], "HOTLINE_BACKGROUND_SCHEDULER": False}
    )
    with app.app_context():
        upgrade(revision="heads")
    index_s = fill(app, args.tickets)
    print(json.dumps({"measure": "index_build", "tickets": args.tickets, "seconds": round(index_s, 1)}), flush=True)
    print(json.dumps({"measure": "data"} | data_volume(app)), flush=True)
    env = os.environ | {
        "DATABASE_URL": url,
        "PORT": str(args.port),
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "HOTLINE_MODELS_DIR": str(tmp),
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "hotline.serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                if requests.get(base + "/portal", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        http = requests.Session()
        token = http.post(
            base + "/api/v1/auth/token", json={"username": "bench", "password": "bench-password"}, timeout=30
        ).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        for q in QUERIES:
            index_p50, index_p99, index_rows = timed_get(http, f"{base}/api/v1/search?q={q}&sort=newest", args.repeat)
            like_q = q.split()[0]  # the list API's LIKE takes one phrase
            like_p50, like_p99, like_rows = timed_get(http, f"{base}/api/v1/tickets?q={like_q}", args.repeat)
            print(
                json.dumps(
                    {
                        "measure": "words",
                        "q": q,
                        "index_p50_ms": round(index_p50, 1),
                        "index_p99_ms": round(index_p99, 1),
                        "index_rows": index_rows,
                        "like_q": like_q,
                        "like_p50_ms": round(like_p50, 1),
                        "like_p99_ms": round(like_p99, 1),
                        "like_rows": like_rows,
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
        # a keyset walk of 10 pages by deadline, beside OFFSET pages of the list API
        start, cursor = time.perf_counter(), None
        for _ in range(10):
            body = http.get(
                f"{base}/api/v1/search?state=accepted&sort=deadline&limit=50" + (f"&cursor={cursor}" if cursor else ""),
                timeout=120,
            ).json()
            cursor = body["next"]
        keyset_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        for page in range(1, 11):
            http.get(f"{base}/api/v1/tickets?state=accepted&page={page}", timeout=120).raise_for_status()
        offset_ms = (time.perf_counter() - start) * 1000
        print(
            json.dumps({"measure": "ten_pages", "keyset_ms": round(keyset_ms, 1), "offset_ms": round(offset_ms, 1)}),
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
