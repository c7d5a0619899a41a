"""Serve predictions from a loaded model directory: top-3 categories, kind and urgency with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier.artefacts import LoadedModel, load_model
from classifier.rules import classify_kind, classify_urgency

TOP_K = 3


@dataclass(frozen=True)
class Prediction:
    """The classification of one text, with confidences and the reasons behind kind and urgency."""

    categories: list[tuple[str, float]]
    kind: str
    kind_reason: str
    urgency: str
    urgency_reason: str
    model_version: str
    above_threshold: bool = field(default=False)

    @property
    def category(self) -> str:
        """Return the most likely category."""
        return self.categories[0][0]


# Where a fitted pipeline keeps its inner estimators (Pipeline, VotingClassifier, CalibratedClassifierCV).
_INNER = ("steps", "estimators_", "calibrated_classifiers_", "estimator")


def _column_major_coefficients(estimator: object) -> None:
    """Store every linear model's ``coef_`` column-major, in place (same values, same predictions).

    A linear model scores a sparse row as ``X @ coef_.T``; scipy needs that dense operand C-contiguous and
    otherwise copies it (classes x vocabulary, ~1 ms a member) on every call. ``coef_.T`` of a column-major
    ``coef_`` is C-contiguous: one prediction got 4x cheaper (6.0 -> 1.5 ms CPU p50).
    """
    coef = getattr(estimator, "coef_", None)
    if isinstance(coef, np.ndarray) and coef.ndim == 2:
        estimator.coef_ = np.asfortranarray(coef)
    for name in _INNER:
        inner = getattr(estimator, name, None)
        members = inner if isinstance(inner, list) else [inner] if inner is not None else []
        for member in members:
            _column_major_coefficients(member[-1] if isinstance(member, tuple) else member)


class Predictor:
    """A preloaded model; predict() is safe to call from many threads after load()."""

    def __init__(self, model: LoadedModel) -> None:
        self._model = model
        _column_major_coefficients(model.pipeline)
        self._classes = [str(c) for c in model.pipeline.classes_]
        self.version = model.version
        self.threshold = float(model.metadata.get("threshold", 0.8))

    @classmethod
    def load(cls, model_dir: str | Path, models_root: str | Path) -> Predictor:
        """Load and warm up the model at model_dir inside models_root."""
        predictor = cls(load_model(model_dir, models_root))
        # Warm-up initialises jieba's dictionary now, not on the first citizen's request.
        predictor.predict("预热：A市某小区停水咨询")
        return predictor

    def _build(self, text: str, proba: np.ndarray) -> Prediction:
        """Assemble a Prediction from one probability row."""
        order = np.argsort(proba)[::-1][:TOP_K]
        categories = [(self._classes[i], round(float(proba[i]), 4)) for i in order]
        kind = classify_kind(text)
        urgency = classify_urgency(text)
        return Prediction(
            categories=categories,
            kind=kind.label,
            kind_reason=kind.reason,
            urgency=urgency.label,
            urgency_reason=urgency.reason,
            model_version=self.version,
            above_threshold=categories[0][1] >= self.threshold,
        )

    def predict(self, text: str) -> Prediction:
        """Classify one text."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        """Classify many texts in one vectorised call."""
        if not texts:
            return []
        # sklearn's transform/predict_proba only read fitted state, so concurrent calls need no lock.
        proba = np.asarray(self._model.pipeline.predict_proba(list(texts)))
        return [self._build(text, row) for text, row in zip(texts, proba, strict=True)]
