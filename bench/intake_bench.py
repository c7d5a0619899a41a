"""Intake throughput (POST /api/v1/tickets) with and without the classification suggestion provider.

Builds the real app on a temporary SQLite file (or on ``DATABASE_URL`` when given), migrates it, creates a unit
and an agent, registers and promotes a trained model, then posts N tickets through ``app.test_client()`` with the
classifier on and off, alternating ticket by ticket so that load from other processes on a shared machine and the
growing ticket table fall on both alike. Prints tickets/s (wall and CPU, this process's ``time.process_time``) and the ratios;
the requirement is that classification does not halve intake throughput. No assertions.

Usage: python bench/intake_bench.py [N per mode, default 300]
Env: DATABASE_URL (default: temp SQLite), HOTLINE_BENCH_MODEL_DIR (reuse a trained model dir instead of training),
HOTLINE_MESSAGES_CSV (default ../shared/data/messages.csv beside the checkout).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(
    os.environ.get("HOTLINE_MESSAGES_CSV", Path(__file__).resolve().parents[2] / "shared" / "data" / "messages.csv")
)
PASSWORD = "bench-password-1"


def _texts(n: int) -> list[tuple[str, str]]:
    """Return n (title, content) pairs from the test split, cycled if needed."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "test"]
    pairs = [(r["title"], " ".join(r["detail"].split()) or r["title"]) for r in rows]
    return [pairs[i % len(pairs)] for i in range(n)]


def _model_dir(models_root: Path) -> Path:
    """Copy a given model dir into models_root, or train the demo model there."""
    given = os.environ.get("HOTLINE_BENCH_MODEL_DIR")
    target = models_root / "bench-model"
    if given:
        shutil.copytree(given, target)
        return target
    from classifier.demo import train_demo_model

    started, cpu = time.perf_counter(), time.process_time()
    train_demo_model(DATA, target)
    print(
        f"trained demo model: {time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU",
        file=sys.stderr,
    )
    return target


def _post_many(client: Any, headers: dict[str, str], pairs: list[tuple[str, str]], start: int) -> tuple[float, float]:
    """POST one ticket per pair; return (wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i, (title, content) in enumerate(pairs):
        payload = {
            "channel": "web",
            "title": title[:200],
            "content": content[:4000],
            "caller_phone": f"138{start + i:08d}",
        }
        response = client.post("/api/v1/tickets", headers=headers, json=payload)
        if response.status_code not in (200, 201):
            raise SystemExit(f"POST /api/v1/tickets -> {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Set the app up, run the alternating rounds and print the report."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    from flask_migrate import upgrade

    import hotline.auth.services
    from hotline.app import create_app
    from hotline.auth.services import create_user
    from hotline.classification.services import promote, register_version
    from hotline.core.extensions import db
    from hotline.units.services import create_unit

    hotline.auth.services.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # hashing is not what is measured
    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    models_root = workdir / "models"
    models_root.mkdir()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "WTF_CSRF_ENABLED": False,
            "HOTLINE_MODELS_DIR": str(models_root),
            "HOTLINE_BACKGROUND_SCHEDULER": False,
        }
    )
    try:
        with app.app_context():
            upgrade(revision="heads")
            unit = create_unit(db.session, "BENCH", "基准测试中心", "city")
            create_user(db.session, "bench_agent", PASSWORD, "agent", unit)
            version = register_version(db.session, models_root, _model_dir(models_root), note="intake bench")
            promote(db.session, version, force=True)
            db.session.commit()
            db.session.remove()

        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "bench_agent", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        from dataclasses import replace

        from hotline.intake.seams import INTAKE

        seams = INTAKE.get(app)
        provider = seams.classifier
        assert provider is not None
        pairs = _texts(n)
        # Warm-up in both modes: loads the model, jieba's dictionary and SQLAlchemy's statement caches.
        _post_many(client, headers, pairs[:10], 9_000_000)
        INTAKE.bind(app, replace(seams, classifier=None))
        _post_many(client, headers, pairs[:10], 9_100_000)
        INTAKE.bind(app, seams)

        # Interleave ticket by ticket (ABBA order), so the table growing under intake's own queries and load from
        # other processes fall on both modes alike. The provider is wrapped to time classification itself.
        provider_cpu: list[float] = []

        class TimedClassifier:
            def predict(self, session: Any, text: str) -> dict | None:
                started = time.thread_time()
                try:
                    return provider.predict(session, text)
                finally:
                    provider_cpu.append(time.thread_time() - started)

        timed = replace(seams, classifier=TimedClassifier())
        without = replace(seams, classifier=None)

        totals = {"with": [0.0, 0.0, 0], "without": [0.0, 0.0, 0]}
        for i, pair in enumerate(pairs):
            for mode in ("with", "without") if i % 2 == 0 else ("without", "with"):
                INTAKE.bind(app, timed if mode == "with" else without)
                wall, cpu = _post_many(client, headers, [pair], (0 if mode == "with" else 5_000_000) + i)
                totals[mode][0] += wall
                totals[mode][1] += cpu
                totals[mode][2] += 1
        INTAKE.bind(app, seams)

        report: dict[str, Any] = {"database": database_url.split(":", 1)[0], "tickets_per_mode": totals["with"][2]}
        for mode, (wall, cpu, count) in totals.items():
            report[f"{mode}_classification_tickets_per_s_wall"] = round(count / wall, 1)
            report[f"{mode}_classification_tickets_per_s_cpu"] = round(count / cpu, 1)
            report[f"{mode}_classification_ms_per_ticket_cpu"] = round(cpu / count * 1000, 2)
        report["throughput_ratio_with_over_without_wall"] = round(totals["without"][0] / totals["with"][0], 3)
        report["throughput_ratio_with_over_without_cpu"] = round(totals["without"][1] / totals["with"][1], 3)
        report["classification_cpu_ms_per_ticket"] = round(
            (totals["with"][1] / totals["with"][2] - totals["without"][1] / totals["without"][2]) * 1000, 2
        )
        report["classification_provider_cpu_ms_p50"] = round(float(np.percentile(provider_cpu, 50)) * 1000, 2)
        report["classification_provider_cpu_ms_p99"] = round(float(np.percentile(provider_cpu, 99)) * 1000, 2)
        report["load_average"] = os.getloadavg()
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
