"""The long run: 20 tickets/s for 10 minutes against two web processes and two workers (PostgreSQL + Redis).

A throw-away stack (its own PostgreSQL cluster and Redis: never the shared ones), two gevent web processes
behind round-robin clients, two rq workers (one also runs the scheduler). Tickets carry an external_id;
afterwards the audit counts what was sent against what is stored, and checks every ticket was classified
(a classifications row) and proposed (the proposal in its suggestion and one dispatch decision), its 告知
and auto-dispatch done exactly once. Prints one JSON line with p50/p99 of the intake answers.

Usage: python bench/long_run.py [--rate 20] [--seconds 600]
Ports: PostgreSQL 5442, Redis 6392, web 5136/5137.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import Stack, load, report, settle, token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    ports = (5136, 5137)
    stack = Stack(5442, 6392, ports).up()
    try:
        for port in ports:
            stack.start_web(port)
        stack.workers.append(stack.start_worker("w1", schedule=True))
        stack.workers.append(stack.start_worker("w2"))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        tokens = [token(url) for url in urls]
        n = int(args.rate * args.seconds)
        started = time.monotonic()
        sent = load(urls, tokens, "long", n, args.rate, concurrency=400)
        wall = time.monotonic() - started
        settle_started = time.monotonic()
        stored = settle(stack.db_url, "long", timeout=1800)
        print(
            report(
                f"{args.rate:g} tickets/s for {args.seconds:g} s, 2 web + 2 workers",
                load=sent.summary(),
                sending_seconds=round(wall, 1),
                achieved_rate=round(n / wall, 2),
                settle_seconds=round(time.monotonic() - settle_started, 1),
                stored=stored.summary(),
            ),
            flush=True,
        )
    finally:
        stack.down()
        stack.remove()


if __name__ == "__main__":
    main()
