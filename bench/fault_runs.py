"""The faults of issue 18, re-run on a throw-away stack, with sent against stored for each.

One gevent web process and one rq worker (with the scheduler) on a throw-away PostgreSQL cluster and Redis,
as in the issue: Redis down 20 s while 150 tickets come in; PostgreSQL restarted (~3 s down) under load;
the worker killed with SIGKILL three times mid-job (restarted as a supervisor would); a pool-exhausting
load (20 tickets/s on the default 15-connection pool). For each: tickets sent, committed, answered with
an error (first try; clients retry a 503 with the same external_id), and whose 告知 and auto-dispatch
happened exactly once. Prints one JSON line per fault.

Usage: python bench/fault_runs.py [fault ...]   (redis, postgres, sigkill, pool; default all)
Ports: PostgreSQL 5441, Redis 6391, web 5135.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import Stack, load, report, settle, token

WEB = 5135


def _later(seconds: float, action) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    thread.start()
    return thread


def _figures(stack: Stack, name: str, prefix: str, sent, **extra) -> str:
    settled = settle(stack.db_url, prefix, timeout=600)
    return report(name, load=sent.summary(), stored=settled.summary(), **extra)


def redis_down(stack: Stack, url: str, tok: str) -> str:
    def outage():
        stack.redis.stop()
        time.sleep(20)
        stack.redis.start()

    fault = _later(5, outage)
    sent = load([url], [tok], "f-redis", 150, 5)
    fault.join()
    return _figures(stack, "Redis down 20 s while 150 tickets come in", "f-redis", sent)


def postgres_restart(stack: Stack, url: str, tok: str) -> str:
    outage: list[float] = []
    fault = _later(5, lambda: outage.append(round(stack.pg.restart(3), 1)))
    sent = load([url], [tok], "f-pg", 100, 5)
    fault.join()
    return _figures(stack, "PostgreSQL restarted (3 s down) under load", "f-pg", sent, down_seconds=outage)


def worker_sigkill(stack: Stack, url: str, tok: str) -> str:
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from hotline.core.jobs import QUEUE_NAME, SERIALIZER

    started = StartedJobRegistry(
        queue=Queue(QUEUE_NAME, connection=Redis.from_url(stack.redis.url()), serializer=SERIALIZER)
    )
    mid_job: list[bool] = []

    def kills():
        for _ in range(3):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not started.get_job_ids():
                time.sleep(0.01)
            mid_job.append(bool(started.get_job_ids()))
            stack.workers.pop().kill(signal.SIGKILL)
            stack.workers.append(stack.start_worker("w1", schedule=True))
            time.sleep(5)

    fault = _later(3, kills)
    sent = load([url], [tok], "f-kill", 100, 5)
    fault.join()
    return _figures(stack, "worker SIGKILL x3 mid-job", "f-kill", sent, killed_mid_job=mid_job)


def pool_exhaustion(stack: Stack, url: str, tok: str) -> str:
    sent = load([url], [tok], "f-pool", 300, 20, concurrency=200)
    return _figures(stack, "pool-exhausting load: 20 tickets/s, 15 connections", "f-pool", sent)


FAULTS = {"redis": redis_down, "postgres": postgres_restart, "sigkill": worker_sigkill, "pool": pool_exhaustion}


def main() -> None:
    chosen = sys.argv[1:] or list(FAULTS)
    stack = Stack(5441, 6391, (WEB,)).up()
    try:
        stack.start_web(WEB)
        stack.workers.append(stack.start_worker("w1", schedule=True))
        url = f"http://127.0.0.1:{WEB}"
        tok = token(url)
        for name in chosen:
            print(FAULTS[name](stack, url, tok), flush=True)
    finally:
        stack.down()
        stack.remove()


if __name__ == "__main__":
    main()
