"""Train the category classifier on any list of texts and labels."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from classifier.dataset import check_trainable, load_csv, load_dataset
from classifier.errors import ClassifierDataError
from classifier.pipeline import CHOSEN, CV_RESULTS, SEED, build_pipeline

__all__ = ["TrainedModel", "data_sha256", "holdout_split", "load_csv", "load_dataset", "train"]

# Confidence above which a ticket may be dispatched without a human check (admin-tunable in metadata).
DEFAULT_THRESHOLD = 0.8
# CalibratedClassifierCV uses 3 stratified folds, so each class needs at least 3 examples.
MIN_PER_CLASS = 3


@dataclass
class TrainedModel:
    """A fitted pipeline plus what is needed to describe it."""

    pipeline: Pipeline
    labels: list[str]
    n_train: int
    train_seconds: float
    data_sha256: str
    threshold: float = DEFAULT_THRESHOLD
    params: dict[str, object] = field(default_factory=dict)


def data_sha256(texts: list[str], labels: list[str]) -> str:
    """Return a sha256 over the training texts and labels, order-sensitive."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(label.encode("utf-8") + b"\x1f" + text.encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def train(texts: list[str], labels: list[str], threshold: float = DEFAULT_THRESHOLD) -> TrainedModel:
    """Fit the production pipeline; raise ClassifierDataError on untrainable data."""
    if len(texts) != len(labels):
        raise ClassifierDataError("length_mismatch", f"文本数（{len(texts)}）与标签数（{len(labels)}）不一致")
    check_trainable(labels, min_per_class=MIN_PER_CLASS)
    pipeline = build_pipeline()
    started = time.perf_counter()
    pipeline.fit(texts, labels)
    elapsed = time.perf_counter() - started
    return TrainedModel(
        pipeline=pipeline,
        labels=[str(c) for c in pipeline.classes_],
        n_train=len(texts),
        train_seconds=round(elapsed, 2),
        data_sha256=data_sha256(texts, labels),
        threshold=threshold,
        params={"chosen": CHOSEN, "cv_macro_f1_train_split": dict(CV_RESULTS), "seed": SEED},
    )


def holdout_split(
    texts: list[str], labels: list[str], test_size: float = 0.2
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Split deterministically and stratified into (train_texts, test_texts, train_labels, test_labels)."""
    check_trainable(labels, min_per_class=2)
    try:
        tr_x, te_x, tr_y, te_y = train_test_split(
            texts, labels, test_size=test_size, stratify=labels, random_state=SEED
        )
    except ValueError as exc:
        # Too few rows to give every class a place in both parts.
        raise ClassifierDataError("too_few_samples", f"数据太少，无法分层留出 20% 作测试集：{exc}") from None
    return list(tr_x), list(te_x), list(tr_y), list(te_y)
