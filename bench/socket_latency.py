"""Live-event latency: from a committed ticket change to its receipt in 200 connected Socket.IO clients.

(a) one web process, no message queue; (b) two web processes sharing the Redis message queue, the
clients split between them and the change made through the API of the first. Prints p50/p99 and the
ratio (b)/(a) of two measures, everything on this host (one clock):

- commit → receipt (the requirement: p99 ≤ 100 ms in (b)): ``hotline.console.push.ticket_changed``, which
  runs right after the commit, stamps the payload with ``committed_at`` (epoch seconds); each client
  subtracts it from ``time.time()`` when its handler runs;
- request → receipt (for reference): from sending the API call that makes the change (so it includes
  the request, the transition and the commit) to the same receipt.

    .venv/bin/python bench/socket_latency.py [--clients 200] [--changes 30]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/14]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-12345"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_database(admin_url: str) -> tuple[str, callable]:
    """Create a fresh database (PostgreSQL, or an SQLite file), migrate it and add a tiny city."""
    from hotline.core.scratch_db import scratch_database

    stack = contextlib.ExitStack()
    url = stack.enter_context(scratch_database(admin_url, "hotline_bench"))
    drop = stack.close

    from flask_migrate import upgrade

    import hotline.auth.services
    from hotline.app import create_app
    from hotline.auth.services import create_user
    from hotline.core.extensions import db
    from hotline.units.services import create_unit

    hotline.auth.services.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "HOTLINE_MODELS_DIR": tempfile.mkdtemp()})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        city = create_unit(db.session, "A", "A市", "city", None)
        district = create_unit(db.session, "A1", "A1区", "district", city)
        for username, role, unit in (("agent1", "agent", city), ("dispatcher1", "dispatcher", city),
                                     ("handler1", "handler", district)):
            create_user(db.session, username, PASSWORD, role, unit)
        db.session.commit()
        db.engine.dispose()
    return url, drop


def start_server(url: str, redis_url: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {"DATABASE_URL": url, "PORT": str(port), "SECRET_KEY": "bench-secret",
                        "HOTLINE_MODELS_DIR": tempfile.mkdtemp()}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = open(Path(tempfile.mkdtemp()) / "server.log", "wb")  # noqa: SIM115 (lives as long as the server)
    proc = subprocess.Popen([sys.executable, "-m", "hotline.serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
    print(f"  server {port}: log {log.name}", flush=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/portal", timeout=1).status_code == 200:
                return proc, base
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on {base} did not start")


def session_cookie(base: str, username: str) -> str:
    """Log in through the page form; return the Cookie header of the session."""
    s = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/login").text).group(1)
    s.post(base + "/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
           allow_redirects=False)
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


class Listener:
    """Many Socket.IO clients recording when each hears ``ticket.updated`` of a given version.

    Per receipt: ``(perf_counter, time.time() - committed_at)`` — the first for request → receipt against
    a ``perf_counter`` taken before the request, the second is commit → receipt in seconds.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: dict[int, list[tuple[float, float]]] = {}
        self.clients: list[socketio.Client] = []

    def connect(self, base: str, cookie: str, n: int) -> None:
        started = time.monotonic()
        for i in range(n):
            if i and i % 50 == 0:
                print(f"  {i} clients connected to {base} in {time.monotonic() - started:.1f} s", flush=True)
            client = socketio.Client(reconnection=False)
            client.on("ticket.updated", self._on_event)
            client.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
            self.clients.append(client)

    def _on_event(self, payload: dict) -> None:
        moment, wall = time.perf_counter(), time.time()
        since_commit = wall - payload["committed_at"]
        with self.lock:
            self.received.setdefault(payload["version"], []).append((moment, since_commit))

    def wait(self, version: int, expected: int, timeout: float = 10.0) -> list[tuple[float, float]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = list(self.received.get(version, []))
            if len(got) >= expected:
                return got
            time.sleep(0.002)
        return got

    def close(self) -> None:
        # Each close waits for the server's close frame; do them at once, not one after another.
        threads = [threading.Thread(target=c.disconnect, daemon=True) for c in self.clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)


def token(base: str, username: str) -> str:
    r = requests.post(base + "/api/v1/auth/token", json={"username": username, "password": PASSWORD}, timeout=10)
    return r.json()["token"]


def measure(bases: list[str], clients: int, changes: int) -> tuple[list[float], list[float], list[tuple[float, float]]]:
    """Connect ``clients`` split over ``bases``, make ``changes`` on bases[0].

    Return every latency in ms: (commit → receipt, request → receipt, per change (first, last) commit → receipt).
    """
    api = bases[0]
    agent, dispatcher, handler = (token(api, u) for u in ("agent1", "dispatcher1", "handler1"))
    ticket = requests.post(api + "/api/v1/tickets", headers={"Authorization": f"Bearer {agent}"}, timeout=10,
                           json={"channel": "phone", "content": "基准测试工单"}).json()["ticket"]
    number = ticket["number"]
    r = requests.post(f"{api}/api/v1/tickets/{number}/dispatch", headers={"Authorization": f"Bearer {dispatcher}"},
                      json={"unit": "A1"}, timeout=10)
    version = r.json()["ticket"]["version"]
    listener = Listener()
    per = clients // len(bases)
    for i, base in enumerate(bases):
        listener.connect(base, session_cookie(base, "handler1"), per if i < len(bases) - 1 else clients - per * i)
    time.sleep(1.0)
    from_commit: list[float] = []
    from_request: list[float] = []
    spread: list[tuple[float, float]] = []
    http = requests.Session()
    try:
        for _ in range(changes):
            sent = time.perf_counter()
            r = http.post(f"{api}/api/v1/tickets/{number}/comment", headers={"Authorization": f"Bearer {handler}"},
                          json={"note": "进展备注"}, timeout=10)
            version = r.json()["ticket"]["version"]
            got = listener.wait(version, clients)
            if len(got) < clients:
                print(f"  ! version {version}: {len(got)}/{clients} clients heard it", flush=True)
            from_request.extend((moment - sent) * 1000 for moment, _ in got)
            from_commit.extend(since * 1000 for _, since in got)
            if got:
                spread.append((min(since for _, since in got) * 1000, max(since for _, since in got) * 1000))
            time.sleep(0.05)
    finally:
        listener.close()
    return from_commit, from_request, spread


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, values: list[float]) -> tuple[float, float]:
    p50, p99 = pct(values, 0.5), pct(values, 0.99)
    print(f"  {label}: n={len(values)} p50={p50:.1f} ms p99={p99:.1f} ms max={max(values):.1f} ms "
          f"mean={statistics.fmean(values):.1f} ms", flush=True)
    return p50, p99


def report_both(label: str, measured: tuple) -> dict[str, tuple[float, float]]:
    print(label, flush=True)
    result = {"commit": report("commit → receipt ", measured[0]), "request": report("request → receipt", measured[1])}
    first, last = [f for f, _ in measured[2]], [la for _, la in measured[2]]
    # The first client hears a change after the server's emit and one hop; the last after the whole fan-out.
    print(f"  per change, commit → first client: p50={pct(first, 0.5):.1f} ms max={max(first):.1f} ms; "
          f"→ last client: p50={pct(last, 0.5):.1f} ms max={max(last):.1f} ms", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    url, drop = make_database(args.database)
    procs: list[subprocess.Popen] = []
    try:
        print(f"{args.clients} clients, {args.changes} changes, database {url.split('@')[-1]}", flush=True)
        proc, base = start_server(url, None)
        procs.append(proc)
        a = report_both("(a) one process, no queue", measure([base], args.clients, args.changes))
        proc.terminate()
        proc.wait(10)
        procs.clear()
        for _ in range(2):
            procs.append(start_server(url, args.redis))
        b = report_both("(b) two processes, Redis queue", measure([p[1] for p in procs], args.clients, args.changes))
        for key, label in (("commit", "commit → receipt "), ("request", "request → receipt")):
            (a50, a99), (b50, b99) = a[key], b[key]
            print(f"ratio (b)/(a) {label}: p50 ×{b50 / a50:.2f}, p99 ×{b99 / a99:.2f}", flush=True)
        verdict = "meets" if b["commit"][1] <= 100 else "MISSES"
        print(f"requirement (b) commit → receipt p99 ≤ 100 ms: {b['commit'][1]:.1f} ms — {verdict}", flush=True)
    finally:
        for p in procs:
            proc = p[0] if isinstance(p, tuple) else p
            proc.terminate()
        drop()


if __name__ == "__main__":
    main()
