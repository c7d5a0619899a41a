"""Print the classifier's scores, training time, latency and throughput next to the plain baseline."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.dataset import load_dataset
from classifier.pipeline import build_baseline_pipeline
from classifier.train import train

DATA = Path(os.environ.get("HOTLINE_MESSAGES_CSV", "/work/shared/data/messages.csv"))


def main() -> None:
    """Train both models on split==train, score on split==test, time single and batch prediction."""
    data = load_dataset(DATA, ["title", "detail"], "label")
    train_x, train_y = data.subset("train")
    test_x, test_y = data.subset("test")

    started = time.perf_counter()
    model = train(train_x, train_y)
    ours_train = time.perf_counter() - started
    ours_pred = model.pipeline.predict(test_x)

    started = time.perf_counter()
    baseline = build_baseline_pipeline().fit(train_x, train_y)
    base_train = time.perf_counter() - started
    base_pred = baseline.predict(test_x)

    # Single-message latency, warm: the first calls initialise jieba and numpy paths.
    for text in test_x[:20]:
        model.pipeline.predict_proba([text])
    latencies = []
    for text in test_x[:500]:
        t0 = time.perf_counter()
        model.pipeline.predict_proba([text])
        latencies.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    model.pipeline.predict_proba(test_x)
    batch_rate = len(test_x) / (time.perf_counter() - t0)

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
        "ours_train_seconds": round(ours_train, 2),
        "baseline_train_seconds": round(base_train, 2),
        "train_time_ratio": round(ours_train / base_train, 2),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2),
        "latency_ms_p99": round(float(np.percentile(latencies, 99)), 2),
        "batch_msgs_per_s": round(batch_rate, 1),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
