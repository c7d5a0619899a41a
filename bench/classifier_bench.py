"""Print the classifier's scores, training time, latency and throughput next to the plain baseline.

Every time is given twice: wall (time.perf_counter) and CPU of this process (time.process_time). On a shared
machine the wall numbers include waiting for a core; the CPU numbers are what the code costs. Both models are
trained and scored in the same run, on split == train / split == test of messages.csv. Prediction is
single-threaded (jieba, sparse TF-IDF, a linear model), so the batch rate is msgs/s on one core; latency CPU is
time.thread_time of the calling thread.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.dataset import load_dataset
from classifier.pipeline import build_baseline_pipeline
from classifier.train import train

DATA = Path(
    os.environ.get("HOTLINE_MESSAGES_CSV", Path(__file__).resolve().parents[2] / "shared" / "data" / "messages.csv")
)
N_LATENCY = 500


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run fn; return (result, wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Train both models on split==train, score on split==test, time single and batch prediction."""
    data = load_dataset(DATA, ["title", "detail"], "label")
    train_x, train_y = data.subset("train")
    test_x, test_y = data.subset("test")

    model, ours_wall, ours_cpu = _timed(lambda: train(train_x, train_y))
    ours_pred = model.pipeline.predict(test_x)
    baseline, base_wall, base_cpu = _timed(lambda: build_baseline_pipeline().fit(train_x, train_y))
    base_pred = baseline.predict(test_x)

    # Single-message latency, warm: the first calls initialise jieba and numpy paths.
    for text in test_x[:20]:
        model.pipeline.predict_proba([text])
    wall_ms, cpu_ms = [], []
    for text in test_x[:N_LATENCY]:
        w0, c0 = time.perf_counter(), time.thread_time()
        model.pipeline.predict_proba([text])
        cpu_ms.append((time.thread_time() - c0) * 1000)
        wall_ms.append((time.perf_counter() - w0) * 1000)
    _, batch_wall, batch_cpu = _timed(lambda: model.pipeline.predict_proba(test_x))

    ours_f1 = f1_score(test_y, ours_pred, average="macro")
    base_f1 = f1_score(test_y, base_pred, average="macro")
    report = {
        "n_train": len(train_x),
        "n_test": len(test_x),
        "ours_macro_f1": round(ours_f1, 4),
        "ours_accuracy": round(accuracy_score(test_y, ours_pred), 4),
        "baseline_macro_f1": round(base_f1, 4),
        "baseline_accuracy": round(accuracy_score(test_y, base_pred), 4),
        "macro_f1_ratio": round(ours_f1 / base_f1, 4),
        "ours_train_seconds_wall": round(ours_wall, 2),
        "ours_train_seconds_cpu": round(ours_cpu, 2),
        "baseline_train_seconds_wall": round(base_wall, 2),
        "baseline_train_seconds_cpu": round(base_cpu, 2),
        "train_time_ratio_cpu": round(ours_cpu / base_cpu, 2),
        "latency_ms_p50_wall": round(float(np.percentile(wall_ms, 50)), 2),
        "latency_ms_p99_wall": round(float(np.percentile(wall_ms, 99)), 2),
        "latency_ms_p50_cpu": round(float(np.percentile(cpu_ms, 50)), 2),
        "latency_ms_p99_cpu": round(float(np.percentile(cpu_ms, 99)), 2),
        "batch_msgs_per_s_wall": round(len(test_x) / batch_wall, 1),
        "batch_msgs_per_s_cpu": round(len(test_x) / batch_cpu, 1),
        "batch_cpu_ms_per_msg": round(batch_cpu / len(test_x) * 1000, 3),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
