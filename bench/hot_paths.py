"""The hot paths over HTTP, beside a bare Flask + Flask-SQLAlchemy endpoint measured in the same run.

Starts what ``make run`` starts in production shape — ``python -m hotline.serve`` (gevent, because ``REDIS_URL``
is set) and one ``worker.py`` — on an existing database (fill it first, e.g. with
``flask hotline generate-history --tickets 1000000 --open 50000``), plus ``bench/bare_app.py`` on the same
database, then drives each path with wrk (16 connections by default) and prints req/s, p50, p99, errors and
the SQL statements each request sent (the server's ``X-SQL-Statements`` header, ``HOTLINE_COUNT_SQL=1``).

Paths: intake (``POST /api/v1/tickets`` as agent1, unique external ids, real messages of the test split),
suggest (``POST /api/v1/console/suggest`` as the agent types), list (``GET /api/v1/tickets`` first page as
handler1), inbox (the inbox's own first page: ``GET /api/v1/search?state=…&sort=deadline&limit=100``),
dashboard (``GET /api/v1/console/summary`` as dispatcher1); bare-insert and bare-read are the baseline,
measured right before the paths that write and read. No assertions: numbers to read.

Usage: python bench/hot_paths.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m
       [--redis-url redis://127.0.0.1:6379/9] [--duration 20] [--connections 16] [--paths intake,suggest,...]
Needs Debian's wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import texts, token  # noqa: E402

PY = sys.executable
SECRET = "bench-hot-paths-secret-key-0123456789"
INBOX_STATES = "dispatched,return_requested,accepted,suspended,replied"  # inbox.js STATES

# wrk's Lua: each thread numbers its requests; done() prints one JSON line wrk's own summary does not give.
LUA_COMMON = r"""
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  thread_id = tid
end
-- The server's own statement count of every answer (X-SQL-Statements): the count of a warm process.
sql_total = 0
sql_answers = 0
function response(status, headers, body)
  local n = tonumber(headers["X-SQL-Statements"])
  if n then
    sql_total = sql_total + n
    sql_answers = sql_answers + 1
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  local total, answers = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("sql_total")
    answers = answers + t:get("sql_answers")
  end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "status_errors": %d, '
    .. '"socket_errors": %d, "sql_total": %d, "sql_answers": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout, total, answers))
end
"""


def _lua_texts(pairs: list[tuple[str, str]]) -> str:
    rows = ",\n".join(
        f"{{title=[==[{json.dumps(title)}]==], content=[==[{json.dumps(content)}]==]}}" for title, content in pairs
    )
    return f"local texts = {{\n{rows}\n}}\n"


def _post_script(path: str, auth: str | None, body_lua: str, pairs: list[tuple[str, str]]) -> str:
    headers = '{["Content-Type"]="application/json"' + (f', ["Authorization"]="Bearer {auth}"' if auth else "") + "}"
    return (
        LUA_COMMON
        + _lua_texts(pairs)
        + f"""
local run = "{uuid.uuid4().hex[:8]}"
function request()
  counter = counter + 1
  local t = texts[(counter % #texts) + 1]
  local body = {body_lua}
  return wrk.format("POST", "{path}", {headers}, body)
end
"""
    )


def _get_script(path: str, auth: str) -> str:
    return (
        LUA_COMMON
        + f"""
function request()
  return wrk.format("GET", "{path}", {{["Authorization"]="Bearer {auth}"}})
end
"""
    )


INTAKE_BODY = (
    'string.format(\'{"channel":"phone","external_id":"bench-%s-%d-%d","caller_phone":"1390000%04d",'
    '"title":%s,"content":%s}\', run, thread_id, counter, counter % 10000, t.title, t.content)'
)
SUGGEST_BODY = "string.format('{\"text\":%s}', t.content)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise TimeoutError(url)


def run_wrk(url: str, script: str, duration: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", fh.name, url],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(fh.name)
    match = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["status_errors"] + raw["socket_errors"],
        "requests": raw["requests"],
        "sql_run": raw["sql_total"] / raw["sql_answers"] if raw.get("sql_answers") else None,
    }


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _busy_seconds() -> float:
    """The machine's busy CPU seconds so far (all cores, idle and iowait left out), from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK


def run_wrk_watched(processes: dict[str, int], url: str, script: str, **w) -> dict:
    """``run_wrk``, adding the CPU each process spent per request and the machine's busy cores meanwhile.

    On a 2-core box the web process shares the cores with PostgreSQL, the worker and wrk: this says where
    the time went. The worker's share is read 2 s after wrk stops, once it has drained what the run queued.
    """
    before = {name: _cpu_seconds(pid) for name, pid in processes.items()}
    busy0 = _busy_seconds()
    started = time.monotonic()
    result = run_wrk(url, script, **w)
    busy1 = _busy_seconds()
    elapsed = time.monotonic() - started
    time.sleep(2)
    n = max(result["requests"], 1)
    for name, pid in processes.items():
        result[f"{name}_cpu_ms"] = (_cpu_seconds(pid) - before[name]) / n * 1000
    result["busy_cores"] = (busy1 - busy0) / elapsed if elapsed else 0.0
    return result


def sql_per_request(method: str, url: str, auth: str | None, bodies: list[dict | None]) -> float | None:
    counts = []
    for body in bodies:
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        r = requests.request(method, url, json=body, headers=headers, timeout=30)
        if "X-SQL-Statements" in r.headers:
            counts.append(int(r.headers["X-SQL-Statements"]))
    return statistics.median(counts) if counts else None


def ticket_count(db_url: str) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        open_ = conn.execute(
            text("SELECT count(*) FROM tickets WHERE state NOT IN ('closed', 'merged', 'transferred')")
        ).scalar_one()
    engine.dispose()
    return total, open_


@dataclass
class RunningStack:
    """The web process, the worker and the bare app of one benchmark run."""

    base: str
    bare: str
    processes: list[subprocess.Popen]
    logs: Path
    webs: list[str] = field(default_factory=list)  # every web process's address (base is the first)


def start_stack(database_url: str, redis_url: str, web: int = 1) -> RunningStack:
    """Start what ``make run`` starts with Redis (gevent web + worker) and the bare app, on ``database_url``.

    ``web`` > 1 starts that many web processes sharing the Redis queue, as behind a load balancer.
    """
    ports, bare_port = [free_port() for _ in range(web)], free_port()
    env = dict(os.environ)
    for key in ("HOTLINE_TEST_DATABASE_URL", "HOTLINE_TEST_REDIS_URL"):
        env.pop(key, None)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=SECRET,
        HOTLINE_COUNT_SQL="1",
        HOTLINE_ASYNC_MODE="gevent",
        FLASK_APP="wsgi",
    )
    logs = Path(tempfile.mkdtemp(prefix="hot_paths_"))

    def start(args: list[str], log: str, **more: str) -> subprocess.Popen:
        out = (logs / log).open("w")
        return subprocess.Popen(args, cwd=ROOT, env=env | more, stdout=out, stderr=subprocess.STDOUT)

    webs = [f"http://127.0.0.1:{port}" for port in ports]
    stack = RunningStack(
        webs[0],
        f"http://127.0.0.1:{bare_port}",
        [
            *(start([PY, "-m", "hotline.serve"], f"web{i}.log", PORT=str(port)) for i, port in enumerate(ports)),
            start([PY, "worker.py"], "worker.log"),
            start([PY, str(ROOT / "bench" / "bare_app.py")], "bare.log", PORT=str(bare_port)),
        ],
        logs,
        webs,
    )
    for address in webs:
        wait_http(address + "/login")
    wait_http(stack.bare + "/bare")
    return stack


def stop_stack(stack: RunningStack) -> None:
    for p in stack.processes:
        p.terminate()
    for p in stack.processes:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    print(f"server logs: {stack.logs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--paths", default="intake,suggest,list,inbox,dashboard")
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("--database-url (or DATABASE_URL) is required")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    paths = args.paths.split(",")

    total, open_ = ticket_count(args.database_url)
    print(f"database: {total:,} tickets, {open_:,} open; wrk {args.connections} connections, {args.duration} s each")
    stack = start_stack(args.database_url, args.redis_url)
    base, bare = stack.base, stack.bare
    try:
        agent, handler, dispatcher = (token(base, u) for u in ("agent1", "handler1", "dispatcher1"))
        pairs = texts(400)
        rows: list[tuple[str, dict, float | None]] = []
        w = dict(duration=args.duration, connections=args.connections, threads=args.threads)
        watched = {"web": stack.processes[0].pid, "worker": stack.processes[1].pid, "bare": stack.processes[-1].pid}

        def wrk(url: str, script: str, **w) -> dict:
            return run_wrk_watched(watched, url, script, **w)

        bare_post = _post_script("/bare", None, INTAKE_BODY, pairs)
        bare_get = _get_script("/bare", "none")
        if any(p in paths for p in ("intake", "suggest")):
            rows.append(("bare insert (baseline)", wrk(bare + "/bare", bare_post, **w), 2))
        if "intake" in paths:
            sample = [
                {
                    "channel": "phone",
                    "external_id": f"sql-{uuid.uuid4().hex}",
                    "title": t,
                    "content": c,
                    "caller_phone": "13900001111",
                }
                for t, c in pairs[:7]
            ]
            sql = sql_per_request("POST", base + "/api/v1/tickets", agent, sample)
            rows.append(
                (
                    "POST /api/v1/tickets",
                    wrk(base + "/api/v1/tickets", _post_script("/api/v1/tickets", agent, INTAKE_BODY, pairs), **w),
                    sql,
                )
            )
        if "suggest" in paths:
            sql = sql_per_request("POST", base + "/api/v1/console/suggest", agent, [{"text": c} for _, c in pairs[:7]])
            rows.append(
                (
                    "POST /api/v1/console/suggest",
                    wrk(
                        base + "/api/v1/console/suggest",
                        _post_script("/api/v1/console/suggest", agent, SUGGEST_BODY, pairs),
                        **w,
                    ),
                    sql,
                )
            )
        reads = [
            ("list", "GET /api/v1/tickets (handler1)", "/api/v1/tickets", handler),
            (
                "inbox",
                "GET /api/v1/search inbox page (handler1)",
                f"/api/v1/search?state={INBOX_STATES}&sort=deadline&limit=100",
                handler,
            ),
            ("dashboard", "GET /api/v1/console/summary (dispatcher1)", "/api/v1/console/summary", dispatcher),
        ]
        if any(key in paths for key, *_ in reads):
            rows.append(("bare read 50 rows (baseline)", wrk(bare + "/bare", bare_get, **w), 1))
        for key, label, path, auth in reads:
            if key in paths:
                sql = sql_per_request("GET", base + path, auth, [None] * 5)
                rows.append((label, wrk(base + path, _get_script(path, auth), **w), sql))
        print(
            f"{'path':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'SQL/req':>8} {'in run':>6}"
            f" {'web CPU':>8} {'worker':>7} {'busy':>5}"
        )
        for label, r, sql in rows:
            sql_text = f"{sql:g}" if sql is not None else "-"
            own = r["bare_cpu_ms"] if label.startswith("bare") else r["web_cpu_ms"]
            run_sql = f"{r['sql_run']:.1f}" if r["sql_run"] is not None else "-"
            print(
                f"{label:44} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d} {sql_text:>8}"
                f" {run_sql:>6} {own:8.1f} {r['worker_cpu_ms']:7.1f} {r['busy_cores']:5.2f}"
            )
        print(
            "SQL/req: before the run, cold caches; in run: the mean of every answer's X-SQL-Statements (warm).\n"
            "web CPU / worker: CPU ms per request of the process serving it and of the worker; busy: cores in use"
        )
        bare_rps = next((r["rps"] for label, r, _ in rows if label.startswith("bare insert")), None)
        intake = next((r for label, r, _ in rows if label == "POST /api/v1/tickets"), None)
        if bare_rps and intake:
            print(f"intake / bare insert: {intake['rps'] / bare_rps:.2f}x")
    finally:
        stop_stack(stack)


if __name__ == "__main__":
    main()
