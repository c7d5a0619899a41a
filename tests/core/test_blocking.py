"""run_blocking: CPU-bound work inside a gevent server leaves the hub free to serve everyone else."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import sys, time
    import gevent
    from hotline.core.blocking import run_blocking, under_gevent

    def busy(seconds):  # pure Python: holds the interpreter like building a workbook does
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            n += 1
        return n

    ticks = []
    def ticker():  # stands for the other connections the hub must keep serving
        while True:
            ticks.append(time.perf_counter())
            gevent.sleep(0.01)

    gevent.spawn(ticker)
    gevent.sleep(0.05)
    before = len(ticks)
    if sys.argv[1] == "offloaded":
        run_blocking(busy, 0.6)
    else:
        busy(0.6)
    print(under_gevent(), len(ticks) - before)
""")


def _ticks_during(mode: str) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    return out[0], int(out[1])


def test_offloaded_work_lets_other_greenlets_run():
    patched, ticks = _ticks_during("offloaded")
    assert patched == "True"
    assert ticks >= 10  # the ticker kept running (every 10 ms) during 0.6 s of work


def test_the_same_work_on_the_hub_freezes_everything_else():
    _, ticks = _ticks_during("inline")
    assert ticks <= 1  # what the offloading prevents


def test_without_gevent_it_just_calls_the_function():
    from hotline.core.blocking import run_blocking, under_gevent

    assert not under_gevent()  # the test process is not monkey-patched
    assert run_blocking(sum, [1, 2, 3]) == 6
