"""A throw-away production-shaped stack for fault and load runs: its own PostgreSQL cluster and Redis server,
gevent web processes (``python -m hotline.serve``) and rq workers (``python worker.py``), a paced load of
tickets, and an audit that counts what was sent against what is stored.

Never the shared servers: the cluster is made with ``initdb`` in a temp dir on its own port (as the
``postgres`` user when run as root) and Redis is a ``redis-server`` on its own port. Used by
``tests/faults/`` (short runs) and ``bench/fault_runs.py`` / ``bench/long_run.py`` (the figures).
"""

from __future__ import annotations

import contextlib
import csv
import glob
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DEMO_PASSWORD = "demo-12345"
MESSAGES = ROOT.parent / "shared" / "data" / "messages.csv"
if not MESSAGES.exists() and os.environ.get("HOTLINE_DATA_DIR"):
    MESSAGES = Path(os.environ["HOTLINE_DATA_DIR"]) / "messages.csv"


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


# --- servers ----------------------------------------------------------------------------------------------


class Postgres:
    """A throw-away PostgreSQL cluster in ``base`` on ``port`` (trust auth, fsync off: it is scratch)."""

    def __init__(self, base: Path, port: int) -> None:
        self.dir = base / "pg"
        self.port = port
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql")
        self.bin = Path(bins[-1])

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        args = [str(self.bin / cmd[0]), *cmd[1:]]
        if os.geteuid() == 0:  # initdb refuses root
            args = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
        return subprocess.run(args, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        if not _free(self.port):
            raise RuntimeError(f"port {self.port} is busy")
        if not (self.dir / "PG_VERSION").exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres", "postgres")
                shutil.chown(self.dir.parent, "postgres", "postgres")
            self._run("initdb", "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        self._run("pg_ctl", "-D", str(self.dir), "-o", opts, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "stop", check=False)

    def restart(self, down_for: float) -> float:
        """Stop, stay down ``down_for`` seconds, start; return how long it was unreachable."""
        started = time.monotonic()
        self.stop()
        time.sleep(down_for)
        self.start()
        return time.monotonic() - started

    def url(self, dbname: str = "hotline") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')


class RedisServer:
    """A throw-away ``redis-server`` on ``port`` (no persistence: a restart loses every queued job)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if not _free(self.port):
            raise RuntimeError(f"port {self.port} is busy")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: not _free(self.port), 10, "redis")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


# --- the app's processes ----------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Stack:
    """PostgreSQL + Redis + web processes + workers, all throw-away, all on the given ports."""

    pg_port: int
    redis_port: int
    web_ports: tuple[int, ...]
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hotline-stack-")))
    extra_env: dict = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pg = Postgres(self.base, self.pg_port)
        self.redis = RedisServer(self.redis_port)
        os.chmod(self.base, 0o755)

    @property
    def db_url(self) -> str:
        return self.pg.url()

    def env(self, **more: str) -> dict:
        env = dict(os.environ)
        for key in ("HOTLINE_ASYNC_MODE", "HOTLINE_TEST_DATABASE_URL", "HOTLINE_TEST_REDIS_URL"):
            env.pop(key, None)
        env.update(
            {
                "DATABASE_URL": self.db_url,
                "REDIS_URL": self.redis.url(),
                "SECRET_KEY": "fault-run-fixed-secret-key",  # every web process must sign sessions alike
                "HOTLINE_MODELS_DIR": str(self.base / "models"),
                "HOTLINE_AUTO_DISPATCH": "1",
                "HOTLINE_OUTBOX_GRACE_SECONDS": "3",
                "HOTLINE_OUTBOX_LEASE_SECONDS": "20",
                "HOTLINE_OUTBOX_SWEEP_SECONDS": "3",
                "HOTLINE_WARNING_INTERVAL_SECONDS": "3600",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        env.update(more)
        return env

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [PY, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def up(self) -> Stack:
        """Start PostgreSQL and Redis, migrate, seed the city (units, users, taxonomy, list, a trained model)."""
        self.pg.start()
        self.pg.create_database("hotline")
        self.redis.start()
        self.flask("db", "upgrade", "heads")
        done = subprocess.run(
            [PY, "-m", "bench.stack", "seed"], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=1800
        )
        if done.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{done.stderr[-3000:]}")
        return self

    def start_web(self, port: int, **env: str) -> Proc:
        log = self.base / f"web-{port}.log"
        with log.open("w") as out:  # the child keeps its own descriptor
            popen = subprocess.Popen(
                [PY, "-m", "hotline.serve"],
                cwd=ROOT,
                env=self.env(PORT=str(port), **env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        proc = Proc(f"web-{port}", popen, log)
        self.procs.append(proc)

        def ready() -> bool:
            if popen.poll() is not None:
                raise RuntimeError(f"web {port} died:\n{log.read_text(errors='replace')[-3000:]}")
            return not _free(port)

        _wait(ready, 300, f"web {port}")
        return proc

    def start_worker(self, label: str, *, schedule: bool = False, wait: bool = True, **env: str) -> Proc:
        """Start ``python worker.py`` (rq names it; a worker killed by SIGKILL leaves its name registered)."""
        log = self.base / f"worker-{label}.log"
        args = [PY, "worker.py"] + (["--schedule"] if schedule else [])
        with log.open("a") as out:
            popen = subprocess.Popen(args, cwd=ROOT, env=self.env(**env), stdout=out, stderr=subprocess.STDOUT)
        proc = Proc(f"worker-{label}", popen, log)
        self.procs.append(proc)
        if wait:  # preloading the model takes a while on a busy machine: the fault starts once it works
            start = log.stat().st_size
            _wait(lambda: b"Listening on" in log.read_bytes()[start:] or popen.poll() is not None, 300, "worker")
        return proc

    def down(self) -> None:
        for proc in reversed(self.procs):
            proc.kill()
        self.procs.clear()
        self.redis.stop()
        self.pg.stop()

    def remove(self) -> None:
        if os.environ.get("HOTLINE_STACK_KEEP"):  # keep the logs to read after a failed run
            print(f"stack kept in {self.base}", file=sys.stderr)
            return
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def running_stack(pg_port: int, redis_port: int, web_ports: tuple[int, ...], **extra_env: str) -> Iterator[Stack]:
    stack = Stack(pg_port, redis_port, web_ports, extra_env=extra_env)
    try:
        yield stack.up()
    finally:
        stack.down()
        stack.remove()


# --- clients ----------------------------------------------------------------------------------------------


def token(base_url: str, username: str = "agent1") -> str:
    import requests

    for _ in range(30):
        with contextlib.suppress(requests.RequestException):  # not listening yet: try again in a second
            r = requests.post(
                base_url + "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}, timeout=10
            )
            if r.status_code == 200:
                return r.json()["token"]
        time.sleep(1)
    raise RuntimeError(f"no token from {base_url}")


def texts(n: int) -> list[tuple[str, str]]:
    with MESSAGES.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("split") == "test"]
    pairs = [(r["title"][:200], (" ".join(r["detail"].split()) or r["title"])[:2000]) for r in rows]
    return [pairs[i % len(pairs)] for i in range(n)]


@dataclass
class LoadResult:
    sent: int = 0
    first_status: dict = field(default_factory=dict)  # status → count, on the first try
    final_status: dict = field(default_factory=dict)  # after the client's retries of a 503 / lost connection
    errors_not_json: int = 0  # an error answer without {error: {code, message}}
    latencies: list = field(default_factory=list)  # seconds, of the first try
    numbers: dict = field(default_factory=dict)  # external_id → ticket number (from the answer)

    def p(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def errors(self) -> int:
        return sum(v for k, v in self.first_status.items() if not str(k).startswith("2"))

    def summary(self) -> dict:
        return {
            "sent": self.sent,
            "first_status": self.first_status,
            "final_status": self.final_status,
            "errors_first_try": self.errors(),
            "errors_not_json": self.errors_not_json,
            "p50_ms": _ms(self.p(0.5)),
            "p99_ms": _ms(self.p(0.99)),
            "max_ms": _ms(self.p(1.0)),
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def load(
    urls: list[str],
    tokens: list[str],
    prefix: str,
    n: int,
    rate: float,
    *,
    retries: int = 10,
    concurrency: int = 64,
    on_tick=None,
) -> LoadResult:
    """Post ``n`` tickets at ``rate``/s round-robin over ``urls``; a 503 or a refused connection is retried."""
    import requests

    result = LoadResult(sent=n)
    lock = threading.Lock()
    pairs = texts(n)
    sessions = threading.local()

    def post(i: int) -> None:
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        title, content = pairs[i]
        body = {
            "channel": "phone",
            "title": title,
            "content": content,
            "caller_phone": f"138{i % 100000000:08d}",
            "external_id": f"{prefix}-{i}",
        }
        target = i % len(urls)
        status: int | str = "none"
        for attempt in range(retries + 1):
            started = time.perf_counter()
            try:
                r = sessions.s.post(
                    urls[target] + "/api/v1/tickets",
                    json=body,
                    timeout=60,
                    headers={"Authorization": f"Bearer {tokens[target]}"},
                )
                status = r.status_code
                ok_json = True
                if status >= 400:
                    try:
                        err = r.json()["error"]
                        ok_json = bool(err["code"] and err["message"])
                    except Exception:
                        ok_json = False
                elif status in (200, 201):
                    with lock:
                        result.numbers[body["external_id"]] = r.json()["ticket"]["number"]
            except requests.RequestException as exc:
                status, ok_json = type(exc).__name__, True
            elapsed = time.perf_counter() - started
            with lock:
                if attempt == 0:
                    result.first_status[status] = result.first_status.get(status, 0) + 1
                    result.latencies.append(elapsed)
                if not ok_json:
                    result.errors_not_json += 1
            if status in (200, 201) or (isinstance(status, int) and status < 500):
                break
            time.sleep(1.0)
        with lock:
            result.final_status[status] = result.final_status.get(status, 0) + 1

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for i in range(n):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if on_tick is not None:
                on_tick(i)
            pool.submit(post, i)
    return result


# --- the audit: sent against stored -----------------------------------------------------------------------


@dataclass
class Audit:
    committed: int
    notified_once: int  # tickets with exactly one 告知 (registered) row, and it was sent
    notified_twice: int
    not_notified: int
    notified_unsent: int  # one 告知 row, not (yet) sent: the provider refused it or its retry is pending
    dispatched_once: int  # tickets with exactly one auto-dispatch decision
    dispatched_twice: int
    not_dispatched: int
    classified: int
    proposed: int
    outbox_pending: int
    duplicates: int  # tickets stored twice for one external id

    def summary(self) -> dict:
        return dict(vars(self))


def audit(db_url: str, prefix: str) -> Audit:
    import psycopg

    dsn = db_url.replace("postgresql+psycopg://", "postgresql://")
    like = f"{prefix}-%"
    with psycopg.connect(dsn) as conn:
        one = lambda sql: conn.execute(sql, {"like": like}).fetchone()[0]  # noqa: E731
        per_ticket = """
            SELECT count(*) FILTER (WHERE c = 1 AND s = 1), count(*) FILTER (WHERE c > 1), count(*) FILTER (WHERE c = 0),
                   count(*) FILTER (WHERE c = 1 AND s = 0)
            FROM (SELECT t.id, count(x.id) AS c, count(x.id) FILTER (WHERE {sent}) AS s
                  FROM tickets t LEFT JOIN {table} x ON x.ticket_id = t.id {extra}
                  WHERE t.external_id LIKE %(like)s GROUP BY t.id) per"""
        notified = conn.execute(
            per_ticket.format(table="notifications", extra="AND x.purpose = 'registered'", sent="x.status = 'sent'"),
            {"like": like},
        ).fetchone()
        dispatched = conn.execute(
            per_ticket.format(table="dispatch_decisions", extra="", sent="true"), {"like": like}
        ).fetchone()
        return Audit(
            committed=one("SELECT count(*) FROM tickets WHERE external_id LIKE %(like)s"),
            notified_once=notified[0],
            notified_twice=notified[1],
            not_notified=notified[2],
            notified_unsent=notified[3],
            dispatched_once=dispatched[0],
            dispatched_twice=dispatched[1],
            not_dispatched=dispatched[2],
            classified=one(
                "SELECT count(DISTINCT c.ticket_id) FROM classifications c JOIN tickets t ON t.id = c.ticket_id"
                " WHERE t.external_id LIKE %(like)s"
            ),
            proposed=one(
                "SELECT count(*) FROM tickets WHERE external_id LIKE %(like)s AND (suggestion::jsonb) ? 'proposal'"
            ),
            outbox_pending=one("SELECT count(*) FROM outbox WHERE done_at IS NULL"),
            duplicates=one(
                "SELECT count(*) - count(DISTINCT external_id) FROM tickets WHERE external_id LIKE %(like)s"
            ),
        )


def settle(db_url: str, prefix: str, timeout: float = 300) -> Audit:
    """Wait until the outbox is empty and every ticket's effects are in (or the timeout); return the audit."""
    deadline = time.monotonic() + timeout
    last = audit(db_url, prefix)
    while time.monotonic() < deadline:
        if (
            last.outbox_pending == 0
            and last.not_notified == 0
            and last.notified_unsent == 0
            and last.not_dispatched == 0
        ):
            return last
        time.sleep(2)
        last = audit(db_url, prefix)
    return last


def seed() -> None:
    """Seed the stack's database (``python -m bench.stack seed``): the demo city without its knowledge base.

    The classifier is trained once per machine and cached (``$TMPDIR/hotline-stack-model``): training takes
    minutes on a busy machine and is not what these runs measure.
    """
    from classifier.demo import train_demo_model
    from dispatch.wiring import seed_responsibility_list
    from hotline.app import create_app
    from hotline.categories.services import load_taxonomy
    from hotline.classification.services import active_version, promote, register_version
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.demo import DEMO_UNITS, seed_users
    from hotline.units.services import load_units_csv

    app = create_app()
    with app.app_context():
        data_dir = Path(app.config["HOTLINE_DATA_DIR"])
        load_units_csv(db.session, DEMO_UNITS)
        seed_users(db.session)
        load_taxonomy(db.session, data_dir / "taxonomy.csv")
        seed_responsibility_list(db.session)
        commit(db.session)
        if active_version(db.session) is None:
            cache = Path(tempfile.gettempdir()) / "hotline-stack-model"
            if not (cache / "metadata.json").exists():
                shutil.rmtree(cache, ignore_errors=True)
                train_demo_model(data_dir / "messages.csv", cache)
            models_root = Path(app.config["HOTLINE_MODELS_DIR"])
            target = models_root / "demo-stack"
            shutil.copytree(cache, target, dirs_exist_ok=True)
            version = register_version(db.session, models_root, target, note="fault/long runs: demo model")
            promote(db.session, version, force=True, models_root=models_root)
            commit(db.session)


def report(title: str, **parts) -> str:
    return json.dumps({"run": title, **parts}, ensure_ascii=False, default=str)


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        seed()
    else:
        raise SystemExit("usage: python -m bench.stack seed")
