"""Faults on the real services: every committed ticket's 告知 and auto-dispatch happen exactly once.

Each test sends tickets with its own external-id prefix, injects a fault while they come in, waits for the
effects to settle and counts what was sent against what is stored: tickets, 告知 (notifications) and
dispatch decisions per ticket — none missing, none doubled.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from bench.stack import audit, load, settle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _assert_all_effects_once(stack, prefix: str, sent: int):
    result = settle(stack.db_url, prefix, timeout=240)
    assert result.committed == sent, result
    assert result.duplicates == 0, result
    assert (result.notified_once, result.notified_twice) == (sent, 0), result
    assert (result.dispatched_once, result.dispatched_twice) == (sent, 0), result
    assert result.classified == sent and result.proposed == sent, result
    return result


def _later(seconds: float, action) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    thread.start()
    return thread


def test_redis_down_while_tickets_come_in(stack, urls, tokens):
    def outage():
        stack.redis.stop()
        time.sleep(6)
        stack.redis.start()  # empty: the jobs queued before the outage are gone too

    fault = _later(2, outage)
    sent = load(urls, tokens, "redis-down", 30, 3)
    fault.join()
    assert sent.first_status == {201: 30}, sent.summary()  # intake does not need Redis
    _assert_all_effects_once(stack, "redis-down", 30)


def test_worker_killed_mid_job_three_times(stack, urls, tokens):
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from hotline.core.jobs import QUEUE_NAME, SERIALIZER

    connection = Redis.from_url(stack.redis.url())
    started = StartedJobRegistry(queue=Queue(QUEUE_NAME, connection=connection, serializer=SERIALIZER))
    mid_job = []

    def kill_three_times():
        for _ in range(3):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not started.get_job_ids():
                time.sleep(0.01)
            mid_job.append(bool(started.get_job_ids()))
            worker = stack.workers.pop()
            worker.kill(signal.SIGKILL)
            stack.workers.append(stack.start_worker("w1", schedule=True))  # what a supervisor does
            time.sleep(2)

    fault = _later(1, kill_three_times)
    sent = load(urls, tokens, "sigkill", 30, 3)
    fault.join()
    assert sent.first_status == {201: 30}, sent.summary()
    assert mid_job.count(True) >= 1, mid_job
    _assert_all_effects_once(stack, "sigkill", 30)
    connection.close()


def test_postgres_restarted_under_load(stack, urls, tokens):
    outage: list[float] = []
    fault = _later(2, lambda: outage.append(stack.pg.restart(3)))
    sent = load(urls, tokens, "pg-restart", 40, 4)
    fault.join()
    assert outage and outage[0] >= 3
    assert set(sent.first_status) <= {201, 503}, sent.summary()  # at most a clear 503, never a 500
    assert sent.errors_not_json == 0, sent.summary()
    assert set(sent.final_status) <= {200, 201}, sent.summary()
    _assert_all_effects_once(stack, "pg-restart", 40)
    # The web processes and the worker recovered on their own: a ticket now is answered and worked at once.
    after = load(urls, tokens, "pg-after", 4, 4)
    assert after.first_status == {201: 4}
    _assert_all_effects_once(stack, "pg-after", 4)


def test_pool_exhausted_under_load(stack, tokens):
    port = 5132
    small = stack.start_web(port, HOTLINE_DB_POOL_SIZE="3", HOTLINE_DB_MAX_OVERFLOW="0", HOTLINE_DB_POOL_TIMEOUT="3")
    try:
        sent = load([f"http://127.0.0.1:{port}"], tokens[:1], "pool", 30, 15, concurrency=30, retries=3)
    finally:
        small.kill()
        stack.procs.remove(small)
    # Waiting past the pool timeout answers a clear 503 (the client may send the ticket again), never a 500.
    assert set(sent.first_status) | set(sent.final_status) <= {200, 201, 503}, sent.summary()
    assert sent.errors_not_json == 0, sent.summary()
    stored = settle(stack.db_url, "pool", timeout=240)
    assert stored.committed >= len(sent.numbers) > 0, (stored, sent.summary())  # every ticket answered is stored
    # ... and every committed one (also one whose answer was a 503 after its commit) has its effects, once.
    _assert_all_effects_once(stack, "pool", stored.committed)


def test_two_web_processes_share_events_and_sessions(stack, urls, tokens):
    import re

    import requests
    import socketio

    from bench.stack import DEMO_PASSWORD

    a, b = urls
    browser = requests.Session()
    form = browser.get(a + "/login", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    data = {"username": "dispatcher1", "password": DEMO_PASSWORD} | ({"csrf_token": csrf.group(1)} if csrf else {})
    assert browser.post(a + "/login", data=data, timeout=10, allow_redirects=False).status_code == 302
    on_b = browser.get(b + "/api/v1/me", timeout=10)  # the session cookie made by A, read by B
    assert on_b.status_code == 200 and on_b.json()["username"] == "dispatcher1", on_b.text
    assert browser.get(b + "/dashboard", timeout=10, allow_redirects=False).status_code == 200

    received: list[dict] = []
    client = socketio.Client(reconnection=False)
    client.on("ticket.created", lambda payload: received.append(payload))
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    client.connect(b, headers={"Cookie": cookie}, transports=["polling"], wait_timeout=10)
    try:
        time.sleep(0.5)
        sent = load([a], tokens[:1], "two-web", 1, 1)
        number = sent.numbers["two-web-0"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(p.get("number") == number for p in received):
            time.sleep(0.1)
        assert any(p.get("number") == number for p in received), received
    finally:
        client.disconnect()
    assert audit(stack.db_url, "two-web").committed == 1
