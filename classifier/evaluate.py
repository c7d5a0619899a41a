"""Score a fitted classifier: accuracy, macro-F1, per class, confusion, calibration, auto-dispatch."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

EVALUATION_FILE = "evaluation.json"
# Confidence buckets for the reliability table: [0.0,0.5) is one bucket because 7-class top-1 below
# 0.5 is rare and uninteresting; above it a 0.1 grid shows where calibration drifts.
BUCKET_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0000001)
THRESHOLD_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


class ProbabilisticModel(Protocol):
    """Anything with sklearn's classes_ and predict_proba."""

    classes_: Any

    def predict_proba(self, texts: list[str]) -> Any:
        """Return class probabilities, one row per text."""


def _above(conf: np.ndarray, correct: np.ndarray, threshold: float) -> dict[str, float | int]:
    """Summarise the predictions whose confidence reaches the threshold."""
    mask = conf >= threshold
    n_above = int(mask.sum())
    return {
        "threshold": threshold,
        "n_above": n_above,
        "share_above": round(n_above / len(conf), 4) if len(conf) else 0.0,
        "accuracy_above": round(float(correct[mask].mean()), 4) if n_above else None,
    }


def evaluate_predictions(
    y_true: list[str], y_pred: list[str], confidence: np.ndarray, labels: list[str], threshold: float
) -> dict[str, Any]:
    """Compute every score from true labels, predictions and top-1 confidences."""
    # Report every class seen either in the model or in the data, so unknown test labels show up as misses.
    all_labels = list(labels) + sorted(set(y_true) - set(labels))
    correct = np.array([t == p for t, p in zip(y_true, y_pred, strict=True)])
    conf = np.asarray(confidence, dtype=float)
    prec, rec, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=all_labels, zero_division=0)
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(all_labels, prec, rec, f1, support, strict=True)
    }
    calibration = []
    for lo, hi in itertools.pairwise(BUCKET_EDGES):
        mask = (conf >= lo) & (conf < hi)
        n = int(mask.sum())
        calibration.append(
            {
                "bucket": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                "n": n,
                "mean_confidence": round(float(conf[mask].mean()), 4) if n else None,
                "accuracy": round(float(correct[mask].mean()), 4) if n else None,
            }
        )
    # Only labels present in the data enter macro-F1: a class absent from this file cannot be scored.
    present = [label for label in all_labels if label in set(y_true)]
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4),
        "per_class": per_class,
        "confusion_matrix": {
            "labels": all_labels,
            "rows_true_cols_pred": confusion_matrix(y_true, y_pred, labels=all_labels).tolist(),
        },
        "calibration": calibration,
        "auto_dispatch": _above(conf, correct, threshold),
        "threshold_table": [_above(conf, correct, t) for t in THRESHOLD_GRID],
    }


def evaluate(model: ProbabilisticModel, texts: list[str], labels: list[str], threshold: float) -> dict[str, Any]:
    """Predict the texts with the model and score the result against the labels."""
    proba = np.asarray(model.predict_proba(texts))
    classes = [str(c) for c in model.classes_]
    best = proba.argmax(axis=1)
    y_pred = [classes[i] for i in best]
    return evaluate_predictions(list(labels), y_pred, proba.max(axis=1), classes, threshold)


def write_evaluation(result: dict[str, Any], model_dir: Path) -> Path:
    """Write the evaluation as evaluation.json inside the model directory."""
    path = Path(model_dir) / EVALUATION_FILE
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
