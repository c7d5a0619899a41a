"""Attachment upload over HTTP: a 3 MB phone photo, p50/p99, beside baselines measured in the same run.

Starts the real server (``python -m hotline.serve``) on a scratch database and measures, over HTTP with a
bearer token:

- baseline (a): ``GET /api/v1/tickets/<n>`` — an authenticated request that does no file work;
- baseline (b): the same 3 MB body POSTed to the upload endpoint as an HTML file: transferred, parsed and
  refused by the type check (415) — the cost of moving the bytes, with nothing decoded or stored;
- upload: ``POST /api/v1/tickets/<n>/attachments`` with distinct 3 MB JPEGs → 201 (type check, full decode,
  sha256, stored in the configured backend, trail event). Without Redis (the embedded default) the thumbnail
  job runs in the web process right after the commit, so this figure includes it; with ``--redis`` a worker
  makes the copies and the upload returns first;
- thumbnail: the copy job's own work (decode, orient, two EXIF-free JPEGs) timed in-process on the same photos.

    .venv/bin/python bench/attachments_bench.py [--n 40] [--storage database|directory]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/6]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-12345"
PORTS = range(5160, 5170)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    raise SystemExit("no free port in 5160-5169")


def photo(seed: int, target: int = 3 * 1024 * 1024) -> bytes:
    """Return a JPEG of about ``target`` bytes (noise over a gradient: it compresses like a busy street photo)."""
    from PIL import Image

    rnd = random.Random(seed)
    width, height = 2400, 1800
    noise = Image.frombytes("RGB", (width, height), rnd.randbytes(width * height * 3))
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(base, noise, 0.5)
    quality = 95
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= target * 1.1 or quality < 40:
            return out.getvalue()
        quality -= 4


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, ms: list[float]) -> str:
    return f"{name:<46} n={len(ms):<3} p50={statistics.median(ms):8.1f} ms  p99={pct(ms, 0.99):8.1f} ms"


def prepare(url: str) -> None:
    from flask_migrate import upgrade

    import hotline.auth.services
    from hotline.app import create_app
    from hotline.auth.services import create_user
    from hotline.core.extensions import db
    from hotline.units.services import create_unit

    hotline.auth.services.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="heads")
        city = create_unit(db.session, "A", "A市", "city", None)
        district = create_unit(db.session, "A1", "A1区", "district", city)
        create_user(db.session, "agent1", PASSWORD, "agent", city)
        create_user(db.session, "handler1", PASSWORD, "handler", district)
        db.session.commit()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--storage", choices=("database", "directory"), default="database")
    parser.add_argument("--database", default=None, help="PostgreSQL admin URL (default: an SQLite file)")
    parser.add_argument("--redis", default=None, help="Redis URL: copies made by an rq worker instead of inline")
    args = parser.parse_args()

    from hotline.attachments.images import make_copies
    from hotline.core.scratch_db import scratch_database

    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database, "hotline_bench") as url:
        prepare(url)
        port = free_port()
        env = os.environ | {
            "DATABASE_URL": url,
            "PORT": str(port),
            "SECRET_KEY": "bench",
            "HOTLINE_ATTACHMENT_STORAGE": args.storage,
            "HOTLINE_ATTACHMENT_DIR": f"{tmp}/files",
            "HOTLINE_ATTACHMENT_MAX_COUNT": str(args.n + 10),
            "HOTLINE_ATTACHMENT_MAX_TOTAL_MB": str(4 * (args.n + 10)),
            "HOTLINE_MODELS_DIR": f"{tmp}/models",
        }
        env.pop("REDIS_URL", None)
        if args.redis:
            env["REDIS_URL"] = args.redis
        server_log = open(f"{tmp}/server.log", "wb")  # noqa: SIM115  (closed after the servers stop)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "hotline.serve"], cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT
            )
        ]
        if args.redis:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "worker.py"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(base + "/portal", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline or procs[0].poll() is not None:
                    raise SystemExit("server did not start:\n" + Path(f"{tmp}/server.log").read_text()[-2000:])
                time.sleep(0.2)
            http = requests.Session()
            token = http.post(base + "/api/v1/auth/token", json={"username": "agent1", "password": PASSWORD}).json()[
                "token"
            ]
            http.headers["Authorization"] = f"Bearer {token}"
            number = http.post(
                base + "/api/v1/tickets",
                json={"channel": "phone", "content": "东风路井盖缺失，晚上很危险", "caller_phone": "13800000000"},
            ).json()["ticket"]["number"]
            photos = [photo(i) for i in range(args.n)]
            sizes = [len(p) for p in photos]
            html = b"<!doctype html><html>" + b"x" * (int(statistics.median(sizes)) - 21)

            def timed(call) -> float:
                started = time.perf_counter()
                response = call()
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code in (200, 201, 415), (response.status_code, response.text[:200])
                return elapsed

            upload_url = f"{base}/api/v1/tickets/{number}/attachments"
            for _ in range(3):  # warm up both paths
                http.get(f"{base}/api/v1/tickets/{number}")
                http.post(upload_url, files={"file": ("x.jpg", html, "image/jpeg")})
            get_ms, bare_ms, upload_ms = [], [], []
            for i, data in enumerate(photos):  # interleaved, so load on the shared machine hits all three alike
                get_ms.append(timed(lambda: http.get(f"{base}/api/v1/tickets/{number}")))
                bare_ms.append(timed(lambda: http.post(upload_url, files={"file": ("x.jpg", html, "image/jpeg")})))
                upload_ms.append(
                    timed(lambda d=data, i=i: http.post(upload_url, files={"file": (f"p{i}.jpg", d, "image/jpeg")}))
                )
            thumb_ms = []
            for data in photos:
                started = time.perf_counter()
                make_copies(data)
                thumb_ms.append((time.perf_counter() - started) * 1000)
            listed = http.get(upload_url).json()["attachments"]
            ready = sum(1 for a in listed if a["thumbnail_url"])
        finally:
            for proc in procs:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
            server_log.close()
        backend = "PostgreSQL" if args.database else "SQLite"
        print(
            f"photos: {args.n} distinct JPEGs, median {statistics.median(sizes) / 1024 / 1024:.2f} MB, 2400×1800; "
            f"{backend}, storage={args.storage}, copies {'in an rq worker' if args.redis else 'inline after the commit'}"
        )
        print(summary("baseline (a) GET /tickets/<n>", get_ms))
        print(summary("baseline (b) 3 MB POST refused by type (415)", bare_ms))
        print(summary("upload 3 MB photo → 201", upload_ms))
        print(summary("thumbnail + web copy (the job's work)", thumb_ms))
        print(f"thumbnails ready after the run: {ready}/{len(listed)}")


if __name__ == "__main__":
    main()
