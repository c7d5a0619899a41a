"""A city's shift for a bounded time: agents typing and registering, dispatch and replies, inboxes listening live.

Against the server ``make run`` starts in production shape (``python -m hotline.serve`` with gevent and Redis,
one ``worker.py``) on an existing database (e.g. filled by ``flask hotline generate-history``):

- ``--agents`` agents, each typing a real message of the test split (three ``POST /api/v1/console/suggest``
  calls on growing prefixes, ``--keystroke`` seconds apart) and then registering it (``POST /api/v1/tickets``);
- a dispatcher sending each new ticket to district A1 (``dispatch``), and A1's handler accepting it and
  replying (``accept``, ``reply``) — so changes flow to the inboxes;
- ``--inboxes`` Socket.IO clients signed in as handler1 (the A1 inbox), spread over client processes as
  browsers are over machines, recording every ticket event they receive and its delay from the commit
  (``committed_at`` stamped by the push); an event carries the changed ticket, so a client needs no request;
- beside it, in the same run, the bare Flask + Flask-SQLAlchemy insert (``bench/bare_app.py``) under the
  agents' own concurrency.

Prints p50/p99 and errors per path, the changes made, the events the inboxes received and commit → receipt
p50/p99. The clients never fetch after an event, as the pages do not (``tests/e2e`` counts the browser's
requests). No assertions.

Usage: python bench/city_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m
       [--seconds 60] [--agents 20] [--inboxes 100] [--client-processes 4] [--web-processes 1]
       [--redis-url redis://127.0.0.1:6379/9]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from queue import Empty, Queue

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hot_paths import _busy_seconds, _cpu_seconds, start_stack, stop_stack  # noqa: E402
from bench.stack import DEMO_PASSWORD, texts, token  # noqa: E402

EVENTS = ("ticket.created", "ticket.updated", "ticket.warning")


def session_cookie(base: str, username: str) -> str:
    """Sign in through the page form; return the session's Cookie header."""
    s = requests.Session()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/login", timeout=30).text).group(1)
    s.post(
        base + "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
        timeout=30,
    )
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


def _inbox_process(base: str, cookie: str, clients: int, out, stop) -> None:
    """Connect ``clients`` Socket.IO clients; report ``(event, delay seconds)`` receipts in batches."""
    from bench.socket_clients import SocketClients

    pending: list[tuple[str, float]] = []

    def on_event(name: str, payload, received_at: float) -> None:
        if name in EVENTS and isinstance(payload, dict):
            pending.append((name, received_at - float(payload.get("committed_at") or received_at)))

    inboxes = SocketClients(base, cookie, on_event)
    out.put(("ready", inboxes.connect(clients)))
    last_batch = time.monotonic()
    while not stop.is_set():
        inboxes.poll(0.02)
        if pending and time.monotonic() - last_batch > 0.2:
            out.put(("receipts", list(pending)))
            pending.clear()
            last_batch = time.monotonic()
    out.put(("receipts", list(pending)))  # the count is final before the disconnects
    out.put(("closed", len(inboxes.sockets)))
    inboxes.close()


class Timings:
    """Latencies and errors per path, from many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def call(self, path: str, method: str, url: str, tok: str, body: dict | None = None) -> dict | None:
        started = time.perf_counter()
        try:
            r = requests.request(method, url, json=body, headers={"Authorization": f"Bearer {tok}"}, timeout=30)
            ok = r.status_code < 400
        except requests.RequestException:
            r, ok = None, False
        with self.lock:
            self.latency[path].append(time.perf_counter() - started)
            if not ok:
                self.errors[path] += 1
        return r.json() if ok and r is not None else None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--keystroke", type=float, default=1.0, help="seconds between an agent's suggest calls")
    parser.add_argument("--inboxes", type=int, default=100)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument(
        "--web-processes", type=int, default=1, help="web processes behind the Redis queue; clients spread over them"
    )
    args = parser.parse_args()

    stack = start_stack(args.database_url, args.redis_url, web=args.web_processes)
    base, bare = stack.base, stack.bare
    context = multiprocessing.get_context("spawn")
    out, stop = context.Queue(), context.Event()
    children = []
    try:
        agent, dispatcher, handler = (token(base, u) for u in ("agent1", "dispatcher1", "handler1"))
        cookie = session_cookie(base, "handler1")
        per = [
            args.inboxes // args.client_processes + (i < args.inboxes % args.client_processes)
            for i in range(args.client_processes)
        ]
        for i, n in enumerate(per):  # each client process's inboxes on one web process, as a balancer would
            at = stack.webs[i % len(stack.webs)]
            child = context.Process(target=_inbox_process, args=(at, cookie, n, out, stop), daemon=True)
            child.start()
            children.append(child)
        connected = sum(out.get(timeout=180)[1] for _ in children)
        print(
            f"{connected} inboxes connected as handler1 over {len(stack.webs)} web process(es); "
            f"{args.agents} agents for {args.seconds} s",
            flush=True,
        )

        timings, bare_timings = Timings(), Timings()
        pairs = texts(2000)
        new_tickets: Queue[str] = Queue()
        dispatched: Queue[str] = Queue()
        deadline = time.monotonic() + args.seconds
        changes = {"made": 0}

        def agent_loop(n: int) -> None:
            i, at = n, stack.webs[n % len(stack.webs)]
            while time.monotonic() < deadline:
                title, content = pairs[i % len(pairs)]
                i += args.agents
                for cut in (len(content) // 3, 2 * len(content) // 3, len(content)):
                    timings.call("suggest", "POST", at + "/api/v1/console/suggest", agent, {"text": content[:cut]})
                    time.sleep(args.keystroke)
                body = {
                    "channel": "phone",
                    "external_id": f"city-{uuid.uuid4().hex}",
                    "title": title,
                    "content": content,
                    "caller_phone": "13900002222",
                }
                made = timings.call("intake", "POST", at + "/api/v1/tickets", agent, body)
                if made:
                    new_tickets.put(made["ticket"]["number"])
                bare_timings.call("bare insert", "POST", bare + "/bare", "none", body)

        def desk_loop(source: Queue, steps) -> None:
            while time.monotonic() < deadline + 5:
                try:
                    number = source.get(timeout=0.5)
                except Empty:
                    continue
                for path, tok, action, body, then in steps:
                    if timings.call(path, "POST", f"{base}/api/v1/tickets/{number}/{action}", tok, body) is None:
                        break
                    with timings.lock:
                        changes["made"] += 1
                    if then is not None:
                        then.put(number)

        threads = [threading.Thread(target=agent_loop, args=(n,), daemon=True) for n in range(args.agents)]
        threads.append(
            threading.Thread(
                target=desk_loop,
                args=(new_tickets, [("dispatch", dispatcher, "dispatch", {"unit": "A1"}, dispatched)]),
                daemon=True,
            )
        )
        threads.append(
            threading.Thread(
                target=desk_loop,
                args=(
                    dispatched,
                    [
                        ("accept", handler, "accept", {}, None),
                        (
                            "reply",
                            handler,
                            "reply",
                            {"result": "已现场处理", "public_answer": "您反映的问题已处理。"},
                            None,
                        ),
                    ],
                ),
                daemon=True,
            )
        )
        # Where the CPU went: the web processes and the worker (processes[-2]) beside the machine's busy cores.
        served = {f"web{i}": p.pid for i, p in enumerate(stack.processes[: len(stack.webs)])}
        served["worker"] = stack.processes[len(stack.webs)].pid
        cpu0, busy0, started = {n: _cpu_seconds(pid) for n, pid in served.items()}, _busy_seconds(), time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        time.sleep(3)  # the last events in flight
        elapsed = time.monotonic() - started
        cpu = {n: (_cpu_seconds(pid) - cpu0[n]) / elapsed for n, pid in served.items()}
        busy = (_busy_seconds() - busy0) / elapsed
        stop.set()
        receipts: list[tuple[str, float]] = []
        closed = 0
        while closed < len(children):
            kind, payload = out.get(timeout=120)
            if kind == "receipts":
                receipts += payload
            elif kind == "closed":
                closed += 1

        print(f"{'path':14} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, source in (
            *((p, timings) for p in ("suggest", "intake", "dispatch", "accept", "reply")),
            ("bare insert", bare_timings),
        ):
            values = source.latency.get(name, [])
            print(
                f"{name:14} {len(values):6d} {pct(values, 0.5):8.1f} {pct(values, 0.99):8.1f}"
                f" {source.errors.get(name, 0):7d}"
            )
        delays = [d for _, d in receipts]
        intakes = len(timings.latency.get("intake", [])) - timings.errors.get("intake", 0)
        print(f"changes made: {intakes} tickets registered, {changes['made']} dispatch/accept/reply actions")
        print(
            f"events received by {connected} inboxes: {len(receipts)} "
            f"({len(receipts) / connected if connected else 0:.1f} per inbox); commit → receipt "
            f"p50 {pct(delays, 0.5):.0f} ms, p99 {pct(delays, 0.99):.0f} ms, max {max(delays, default=0) * 1000:.0f} ms"
        )
        if delays:
            print(f"mean delay {statistics.mean(delays) * 1000:.0f} ms")
        shares = ", ".join(f"{n} {c:.2f}" for n, c in cpu.items())
        print(f"cores used over the shift: {shares}; the machine {busy:.2f} of {os.cpu_count()}")
    finally:
        stop.set()
        for child in children:
            child.join(timeout=10)
        stop_stack(stack)


if __name__ == "__main__":
    main()
