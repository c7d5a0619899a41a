"""Reproduce pipeline.CV_RESULTS: grouped 5-fold CV on split == train only (never the test split).

    python -m classifier.model_selection [CONFIG ...]     # no names: every config (slow: ~1 min CPU each)

Token lists are computed once per text, and every fold fits fresh TF-IDF vocabularies and idf on its own
training part, so no fold sees its test rows' statistics. Scores are LinearSVC macro-F1 (the calibration
step changes argmax only marginally; pipeline.py records the full-pipeline check). The table was produced
by an equivalent exploration script with LinearSVC random_state=1, so a rerun may differ in the 4th decimal.
"""

from __future__ import annotations

import csv
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC

from classifier.pipeline import SEED, _char_ngrams
from classifier.tokenize import normalize_text, tokenize

MESSAGES_CSV = Path("/work/shared/data/messages.csv")


@dataclass(frozen=True)
class Block:
    """One TF-IDF block: jieba words of the first `chars` characters, or char lo..hi-grams of the first `chars`."""

    kind: str  # "word" or "char"
    chars: int
    lo: int = 1
    hi: int = 2
    weight: float = 1.0


@dataclass(frozen=True)
class Config:
    """Feature blocks and the LinearSVC settings."""

    blocks: tuple[Block, ...]
    c: float = 1.0
    balanced: bool = False


def _w(n: int) -> Block:
    return Block("word", n)


C12 = Block("char", 3000)
C13 = Block("char", 3000, 1, 3)


def _head(n: int, weight: float) -> Block:
    return Block("char", n, 1, 3, weight)


CONFIGS: dict[str, Config] = {
    "baseline_char12_linearsvc": Config((C12,)),
    "word12_400_char12_linearsvc": Config((_w(400), C12)),
    "word12_200_char12_linearsvc": Config((_w(200), C12)),
    "word12_120_char12_linearsvc": Config((_w(120), C12)),
    "word12_200_char12_head20x0.5_linearsvc": Config((_w(200), C12, _head(20, 0.5))),
    "word12_200_char12_head20x1_linearsvc": Config((_w(200), C12, _head(20, 1.0))),
    "word12_200_char12_head30x0.5_linearsvc": Config((_w(200), C12, _head(30, 0.5))),
    "word12_200_char12_head30x1_linearsvc": Config((_w(200), C12, _head(30, 1.0))),
    "word12_200_char12_head30x1_linearsvc_c0.3": Config((_w(200), C12, _head(30, 1.0)), c=0.3),
    "word12_200_char12_head30x0.5_linearsvc_c0.5": Config((_w(200), C12, _head(30, 0.5)), c=0.5),
    "word12_200_char13_head30x0.5_linearsvc": Config((_w(200), C13, _head(30, 0.5))),
    "word12_120_char12_head30x0.5_linearsvc": Config((_w(120), C12, _head(30, 0.5))),
    "word12_200_char12_head30x0.5_linearsvc_balanced": Config((_w(200), C12, _head(30, 0.5)), balanced=True),
    "word12_120_char12_head30x0.5_linearsvc_balanced": Config((_w(120), C12, _head(30, 0.5)), balanced=True),
    "word12_60_char12_head30x0.5_linearsvc_balanced": Config((_w(60), C12, _head(30, 0.5)), balanced=True),
    "word12_60_char12_head30x0.5_linearsvc_balanced_c0.5": Config(
        (_w(60), C12, _head(30, 0.5)), c=0.5, balanced=True
    ),
    "word12_60_char12_head30x0.5_linearsvc_balanced_c2": Config((_w(60), C12, _head(30, 0.5)), c=2.0, balanced=True),
    "word12_60_char12_head30x0.5_linearsvc_balanced_c4": Config((_w(60), C12, _head(30, 0.5)), c=4.0, balanced=True),
    "char12_head30x0.5_linearsvc_balanced": Config((C12, _head(30, 0.5)), balanced=True),
}


class TrainSplit:
    """The train split's normalised texts, labels, groups, folds and cached token lists."""

    def __init__(self, path: Path = MESSAGES_CSV) -> None:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r["split"] == "train"]
        self.norm = [normalize_text(f"{r['title']}\n{r['detail']}") for r in rows]
        self.y = np.array([r["label"] for r in rows])
        groups = np.array([r["dup_group"] for r in rows])
        cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
        self.folds = list(cv.split(self.norm, self.y, groups))
        self._tokens: dict[Block, list[list[str]]] = {}

    def tokens(self, block: Block) -> list[list[str]]:
        """Return (and cache) every text's tokens for a block."""
        if block not in self._tokens:
            if block.kind == "word":
                words = [tokenize(t[: block.chars]) for t in self.norm]
                self._tokens[block] = [w + [f"{a} {b}" for a, b in itertools.pairwise(w)] for w in words]
            else:
                self._tokens[block] = [_char_ngrams(t[: block.chars].lower(), block.lo, block.hi) for t in self.norm]
        return self._tokens[block]


def _lookup(docs: list[list[str]]) -> Callable[[int], list[str]]:
    """Return an analyzer that maps a row index to its cached tokens."""

    def analyze(i: int) -> list[str]:
        return docs[i]

    return analyze


def cv_score(data: TrainSplit, config: Config) -> tuple[float, float]:
    """Return mean and std of macro-F1 over the grouped folds."""
    scores = []
    for train_idx, test_idx in data.folds:
        parts_tr: list[csr_matrix] = []
        parts_te: list[csr_matrix] = []
        for block in config.blocks:
            vectorizer = TfidfVectorizer(analyzer=_lookup(data.tokens(block)), sublinear_tf=True, dtype=np.float32)
            parts_tr.append(vectorizer.fit_transform(list(train_idx)) * block.weight)
            parts_te.append(vectorizer.transform(list(test_idx)) * block.weight)
        model = LinearSVC(C=config.c, class_weight="balanced" if config.balanced else None, random_state=SEED)
        model.fit(hstack(parts_tr).tocsr(), data.y[train_idx])
        predicted = model.predict(hstack(parts_te).tocsr())
        scores.append(f1_score(data.y[test_idx], predicted, average="macro"))
    return float(np.mean(scores)), float(np.std(scores))


def main(names: list[str]) -> None:
    """Print one line per config."""
    data = TrainSplit()
    for name in names or list(CONFIGS):
        mean, std = cv_score(data, CONFIGS[name])
        print(f"{name:56s} {mean:.4f} ± {std:.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
