"""Every SQL statement one request of each hot path sends, in order: where the per-request count comes from.

``bench/hot_paths.py`` reads the count off the real server (``X-SQL-Statements``); this lists the statements
themselves, through the app's test client on an existing database (e.g. one ``make run`` filled), so a change
that adds or removes one can be seen and reasoned about.

``--profile N`` instead runs each path N times under cProfile and prints where its CPU goes (top functions by
cumulative and by own time): profile before optimising.

Usage: DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline SECRET_KEY=… \
       python bench/sql_trace.py [--paths intake,suggest,list,inbox,dashboard] [--full] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event  # noqa: E402

from hotline.app import create_app  # noqa: E402

DEMO_PASSWORD = "demo-12345"
TEXT = "小区门口路灯不亮已经一个月了，晚上出行很不安全，希望尽快维修。"
INBOX_STATES = "dispatched,return_requested,accepted,suspended,replied"


def _token(client, username: str) -> str:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    return answer.get_json()["token"]


def _requests(client) -> dict:
    agent = {"Authorization": f"Bearer {_token(client, 'agent1')}"}
    handler = {"Authorization": f"Bearer {_token(client, 'handler1')}"}
    dispatcher = {"Authorization": f"Bearer {_token(client, 'dispatcher1')}"}
    body = {"channel": "phone", "content": TEXT, "caller_phone": "13800000000", "address": "A市A1区"}
    return {
        "intake": lambda: client.post("/api/v1/tickets", json=body | {"external_id": uuid.uuid4().hex}, headers=agent),
        "suggest": lambda: client.post("/api/v1/console/suggest", json={"text": TEXT}, headers=agent),
        "list": lambda: client.get("/api/v1/tickets", headers=handler),
        "inbox": lambda: client.get(f"/api/v1/search?state={INBOX_STATES}&sort=deadline&limit=100", headers=handler),
        "dashboard": lambda: client.get("/api/v1/console/summary", headers=dispatcher),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", default="intake,suggest,list,inbox,dashboard")
    parser.add_argument("--full", action="store_true", help="print whole statements, not their first line")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N requests per path instead")
    parser.add_argument("--top", type=int, default=30, help="functions printed per profile ordering")
    parser.add_argument("--save", metavar="DIR", help="with --profile: also write DIR/<path>.pstats (for callers)")
    args = parser.parse_args()
    app = create_app()
    client = app.test_client()
    if args.profile:
        _profile(_requests(client), args.paths.split(","), args.profile, args.top, args.save)
        return
    seen: list[str] = []
    # Only the request's own statements: the test client runs it on this thread, while the relay of the
    # previous request's jobs may still be sending its own on another.
    me = threading.get_ident()

    def _seen(_conn, _cursor, statement, *_rest) -> None:
        if threading.get_ident() == me:
            seen.append(statement)

    # Every engine's: ticket numbers are taken on one of their own (hotline.tickets.numbering).
    event.listen(Engine, "before_cursor_execute", _seen)
    calls = _requests(client)
    for name in args.paths.split(","):
        calls[name]()  # warm: caches filled as a running server's are
        seen.clear()
        answer = calls[name]()
        print(f"== {name}: HTTP {answer.status_code}, {len(seen)} statements")
        for i, statement in enumerate(seen, 1):
            text = statement if args.full else re.sub(r"\s+", " ", statement)[:160]
            print(f"{i:3d}. {text}")


def _profile(calls: dict, paths: list[str], n: int, top: int, save: str | None = None) -> None:
    for name in paths:
        for _ in range(3):
            calls[name]()  # warm, as a running server is
        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
        started, cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        for _ in range(n):
            calls[name]()
        profiler.disable()
        wall, cpu = ((time.perf_counter() - started) / n * 1000, (time.process_time() - cpu) / n * 1000)
        print(f"== {name}: {n} requests, {wall:.1f} ms wall and {cpu:.1f} ms CPU each (profiled)")
        if save:
            Path(save).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(Path(save) / f"{name}.pstats"))
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    main()
