"""The worker process outlives a Redis that is down when it (re)starts its loop, and serves once Redis is back.

Seen in the issue-18 fault run: rq's ``SimpleWorker`` constructor already talks to Redis, so building it while
Redis was down ended ``worker.py`` itself; the queue then stayed unattended (25 of 150 tickets got their 告知).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.redis  # the Redis pass of make test, where redis-server is installed
def test_worker_waits_for_redis_instead_of_exiting(tmp_path):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_TEST_")}
    env.update(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.db'}",
        HOTLINE_MODELS_DIR=str(tmp_path / "models"),
        FLASK_APP="wsgi",
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade", "heads"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    redis = None
    try:
        time.sleep(8)  # several loop rounds against the closed port
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = Redis(port=port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(RedisConnectionError):  # redis-server still starting
                if client.smembers("rq:workers"):
                    break
            time.sleep(0.5)
        assert client.smembers("rq:workers"), (tmp_path / "worker.log").read_text()[-3000:]
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
