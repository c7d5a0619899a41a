"""Reproduce pipeline.CV_RESULTS: grouped 5-fold CV on split == train only (never the test split).

    python -m classifier.model_selection [--seed=N] [--test] [--report=PATH] [NAME ...]
    # NAME: a CONFIG, VOTE, HARD_VOTE, STACK, SELF_TRAINED name or "production" (build_pipeline() end to end);
    # no names: every one (slow: ~1-7 min CPU each). Each row also prints its per-fold difference to REFERENCE.

Token lists are computed once per text, and every fold fits fresh TF-IDF vocabularies and idf on its own
training part, so no fold sees its test rows' statistics. Scores are the macro-F1 of each model's argmax
(of the mean probability for a vote), plus out-of-fold log-loss and top-1 ECE when the model has
probabilities. The rows before issue 3 were produced by an equivalent exploration script with LinearSVC
random_state=1 (a rerun may differ in the 4th decimal); the issue-3 rows and "production" by this module.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score, log_loss
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

from classifier.pipeline import SEED, NBLinearSVC, _char_ngrams, build_pipeline
from classifier.tokenize import normalize_text, tokenize

DATA_DIR = Path(os.environ.get("HOTLINE_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
MESSAGES_CSV = DATA_DIR / "messages.csv"
# Issue 16, semi-supervised: the unlabelled 附件3/4 messages (minus any whose title occurs in messages.csv,
# so nothing of the test split leaks in through them).
UNLABELED_CSVS = (DATA_DIR / "unlabeled_messages.csv", DATA_DIR / "hotspot_messages.csv")


@dataclass(frozen=True)
class Block:
    """One TF-IDF block: jieba words of the first `chars` characters, or char lo..hi-grams of the first `chars`."""

    kind: str  # "word" or "char"
    chars: int
    lo: int = 1
    hi: int = 2
    weight: float = 1.0
    min_df: int = 1
    max_df: float = 1.0
    max_features: int | None = None
    sublinear: bool = True


@dataclass(frozen=True)
class Config:
    """Feature blocks and the model settings (model: see MODELS)."""

    blocks: tuple[Block, ...]
    c: float = 1.0
    balanced: bool = False
    model: str = "svc"
    alpha: float = 1.0  # smoothing of the NB log-count ratios / ComplementNB
    unlabeled_idf: bool = False  # issue 16: fit vocabulary and idf on the fold's train part + unlabelled texts
    # Issue 16: every train row that has a detail is also trained on as its title alone (text_fidelity-aware:
    # 13% of train and 15% of test rows are title_only; the copies teach the model to read a bare title).
    title_aug: bool = False


def _w(n: int) -> Block:
    return Block("word", n)


C12 = Block("char", 3000)
C13 = Block("char", 3000, 1, 3)


def _head(n: int, weight: float) -> Block:
    return Block("char", n, 1, 3, weight)


F = (_w(60), C12, _head(30, 0.5))
T14 = Block("char", 30, 1, 4)
FH4 = (_w(60), C12, Block("char", 30, 1, 4, 0.7))
FH1 = (_w(60), C12, _head(30, 1.0))

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
    "word12_60_char12_head30x0.5_linearsvc_balanced_c0.5": Config((_w(60), C12, _head(30, 0.5)), c=0.5, balanced=True),
    "word12_60_char12_head30x0.5_linearsvc_balanced_c2": Config((_w(60), C12, _head(30, 0.5)), c=2.0, balanced=True),
    "word12_60_char12_head30x0.5_linearsvc_balanced_c4": Config((_w(60), C12, _head(30, 0.5)), c=4.0, balanced=True),
    "char12_head30x0.5_linearsvc_balanced": Config((C12, _head(30, 0.5)), balanced=True),
    # Issue 3: other models on the chosen features (F = w60 + c12 + head30 x0.5), all class_weight balanced.
    **{f"F_lr_balanced_c{c:g}": Config(F, c=c, balanced=True, model="lr") for c in (3, 10, 30, 100)},
    **{
        f"F_sgd_modified_huber_balanced_a{a:g}": Config(F, alpha=a, balanced=True, model="sgd_mh")
        for a in (1e-5, 3e-5, 1e-4)
    },
    **{f"F_complementnb_a{a:g}": Config(F, alpha=a, model="cnb") for a in (0.03, 0.1, 0.3)},
    **{
        f"F_nbsvm_balanced_c{c:g}_a{a:g}": Config(F, c=c, alpha=a, balanced=True, model="nbsvm")
        for c in (0.5, 1, 2)
        for a in (0.1, 1)
    },
    **{f"F_nbsvm_c{c:g}_a1": Config(F, c=c, alpha=1, model="nbsvm") for c in (1, 2)},
    "F_linearsvc_balanced_c2_sigmoid": Config(F, c=2, balanced=True, model="cal_svc:sigmoid"),
    "F_linearsvc_balanced_c2_isotonic": Config(F, c=2, balanced=True, model="cal_svc:isotonic"),
    # Temperature scaling divides all scores by one fitted T before a softmax, so it keeps the SVC's argmax;
    # sigmoid/isotonic calibrate each one-vs-rest score apart and renormalise, which moves some argmaxes.
    "F_linearsvc_balanced_c2_temperature": Config(F, c=2, balanced=True, model="cal_svc:temperature"),
    "F_sgd_modified_huber_balanced_a0.0003": Config(F, alpha=3e-4, balanced=True, model="sgd_mh"),
    **{
        f"F_nbsvm_balanced_c{c:g}_a{a:g}": Config(F, c=c, alpha=a, balanced=True, model="nbsvm")
        for c in (1, 2, 4)
        for a in (0.01, 0.03)
    },
    "F_nbsvm_balanced_c4_a0.1": Config(F, c=4, alpha=0.1, balanced=True, model="nbsvm"),
    # Features, LinearSVC C=2 balanced: document-frequency cuts and longer character n-grams.
    "w60mindf2_c12mindf2_head30x0.5mindf2_linearsvc_balanced_c2": Config(
        (Block("word", 60, min_df=2), Block("char", 3000, min_df=2), Block("char", 30, 1, 3, 0.5, min_df=2)),
        c=2,
        balanced=True,
    ),
    "w60_c12maxdf0.5_head30x0.5_linearsvc_balanced_c2": Config(
        (_w(60), Block("char", 3000, max_df=0.5), _head(30, 0.5)), c=2, balanced=True
    ),
    "w60_c13mindf2_head30x0.5_linearsvc_balanced_c2": Config(
        (_w(60), Block("char", 3000, 1, 3, min_df=2), _head(30, 0.5)), c=2, balanced=True
    ),
    "w60_c24max200k_head30x0.5_linearsvc_balanced_c2": Config(
        (_w(60), Block("char", 3000, 2, 4, max_features=200_000), _head(30, 0.5)), c=2, balanced=True
    ),
    "w60_c12nosublinear_head30x0.5_linearsvc_balanced_c2": Config(
        (_w(60), Block("char", 3000, sublinear=False), _head(30, 0.5)), c=2, balanced=True
    ),
    **{f"F_nbsvm_balanced_c2_a{a:g}": Config(F, c=2, alpha=a, balanced=True, model="nbsvm") for a in (0.2, 0.3, 0.5)},
    **{
        f"F_nbsvm_balanced_c2_a{a:g}_temperature": Config(F, c=2, alpha=a, balanced=True, model="cal_nbsvm:temperature")
        for a in (0.1, 0.2)
    },
    # Issue 16: semi-supervised idf (train fold + 6,9xx unlabelled messages) and kNN as 以搜代分.
    "F_linearsvc_balanced_c2_temperature_unl": Config(
        F, c=2, balanced=True, model="cal_svc:temperature", unlabeled_idf=True
    ),
    "F_nbsvm_balanced_c2_a0.2_temperature_unl": Config(
        F, c=2, alpha=0.2, balanced=True, model="cal_nbsvm:temperature", unlabeled_idf=True
    ),
    **{f"F_knn_k{k}": Config(F, c=k, model="knn") for k in (10, 30)},
    # Issue 16 part 3: the title (留言主题) as its own member (char 1-4-grams of the first 30 characters), and a
    # heavier, longer head block inside the union (char 1-4-grams ×0.7 instead of 1-3-grams ×0.5).
    "T14_linearsvc_balanced_c1_temperature": Config((T14,), c=1, balanced=True, model="cal_svc:temperature"),
    "Fh4_linearsvc_balanced_c2_temperature": Config(FH4, c=2, balanced=True, model="cal_svc:temperature"),
    "Fh4_nbsvm_balanced_c2_a0.2_temperature": Config(FH4, c=2, alpha=0.2, balanced=True, model="cal_nbsvm:temperature"),
    # Issue 16 part 4: C of each vote member apart, the title-only copies (title_aug), and a heavier head block.
    **{
        f"F_linearsvc_balanced_c{c:g}_temperature": Config(F, c=c, balanced=True, model="cal_svc:temperature")
        for c in (1, 4)
    },
    **{
        f"F_nbsvm_balanced_c{c:g}_a0.2_temperature": Config(
            F, c=c, alpha=0.2, balanced=True, model="cal_nbsvm:temperature"
        )
        for c in (1, 4)
    },
    "F_linearsvc_balanced_c2_temperature_ta": Config(
        F, c=2, balanced=True, model="cal_svc:temperature", title_aug=True
    ),
    "F_nbsvm_balanced_c2_a0.2_temperature_ta": Config(
        F, c=2, alpha=0.2, balanced=True, model="cal_nbsvm:temperature", title_aug=True
    ),
    "Fh1_linearsvc_balanced_c2_temperature": Config(FH1, c=2, balanced=True, model="cal_svc:temperature"),
    "Fh1_nbsvm_balanced_c2_a0.2_temperature": Config(FH1, c=2, alpha=0.2, balanced=True, model="cal_nbsvm:temperature"),
    # Stacking members: uncalibrated, their decision_function is the meta-model's input.
    "F_nbsvm_balanced_c2_a0.2": Config(F, c=2, alpha=0.2, balanced=True, model="nbsvm"),
}

VOTE_A02 = ("F_linearsvc_balanced_c2_temperature", "F_nbsvm_balanced_c2_a0.2_temperature")
# Soft votes: the mean of the members' probabilities (each member calibrated or natively probabilistic).
VOTES: dict[str, tuple[str, ...]] = {
    "vote_svc_nbsvm": ("F_linearsvc_balanced_c2_temperature", "F_nbsvm_balanced_c2_a0.1_temperature"),
    "vote_svc_nbsvm_a0.2": ("F_linearsvc_balanced_c2_temperature", "F_nbsvm_balanced_c2_a0.2_temperature"),
    "vote_svc_nbsvm_cnb": (
        "F_linearsvc_balanced_c2_temperature",
        "F_nbsvm_balanced_c2_a0.1_temperature",
        "F_complementnb_a0.1",
    ),
    "vote_svc_lr_cnb": ("F_linearsvc_balanced_c2_temperature", "F_lr_balanced_c30", "F_complementnb_a0.1"),
    "vote_svc_nbsvm_lr": (
        "F_linearsvc_balanced_c2_temperature",
        "F_nbsvm_balanced_c2_a0.1_temperature",
        "F_lr_balanced_c30",
    ),
    "vote_svc_nbsvm_a0.2_unl": ("F_linearsvc_balanced_c2_temperature_unl", "F_nbsvm_balanced_c2_a0.2_temperature_unl"),
    "vote_svc_nbsvm_a0.2_knn10": (
        "F_linearsvc_balanced_c2_temperature",
        "F_nbsvm_balanced_c2_a0.2_temperature",
        "F_knn_k10",
    ),
    # Issue 16 part 3: a third member of another kind (class-balanced SGD, ComplementNB, the title alone).
    "vote_svc_nbsvm_a0.2_sgd": (*VOTE_A02, "F_sgd_modified_huber_balanced_a0.0001"),
    "vote_svc_nbsvm_a0.2_cnb": (*VOTE_A02, "F_complementnb_a0.1"),
    "vote_svc_nbsvm_a0.2_title14": (*VOTE_A02, "T14_linearsvc_balanced_c1_temperature"),
    "vote_Fh4_svc_nbsvm_a0.2": ("Fh4_linearsvc_balanced_c2_temperature", "Fh4_nbsvm_balanced_c2_a0.2_temperature"),
    # Issue 16 part 4.
    "vote_svc_c1_nbsvm_c2": ("F_linearsvc_balanced_c1_temperature", "F_nbsvm_balanced_c2_a0.2_temperature"),
    "vote_svc_c4_nbsvm_c2": ("F_linearsvc_balanced_c4_temperature", "F_nbsvm_balanced_c2_a0.2_temperature"),
    "vote_svc_c2_nbsvm_c1": ("F_linearsvc_balanced_c2_temperature", "F_nbsvm_balanced_c1_a0.2_temperature"),
    "vote_svc_c2_nbsvm_c4": ("F_linearsvc_balanced_c2_temperature", "F_nbsvm_balanced_c4_a0.2_temperature"),
    "vote_svc_nbsvm_a0.2_ta": ("F_linearsvc_balanced_c2_temperature_ta", "F_nbsvm_balanced_c2_a0.2_temperature_ta"),
    "vote_Fh1_svc_nbsvm_a0.2": ("Fh1_linearsvc_balanced_c2_temperature", "Fh1_nbsvm_balanced_c2_a0.2_temperature"),
}
# The vote every row is compared with fold by fold (production's members under the same folds).
REFERENCE = "vote_svc_nbsvm_a0.2"
# Hard votes: the majority of the members' argmaxes (ties to the higher mean probability), against the soft ones.
HARD_VOTES: dict[str, tuple[str, ...]] = {
    "hard_svc_nbsvm_a0.2_sgd": VOTES["vote_svc_nbsvm_a0.2_sgd"],
    "hard_svc_nbsvm_a0.2_cnb": VOTES["vote_svc_nbsvm_a0.2_cnb"],
    "hard_svc_nbsvm_a0.2_title14": VOTES["vote_svc_nbsvm_a0.2_title14"],
}
# Stacking: LogisticRegression on out-of-fold member scores, nested inside each fold (see _stack_proba).
STACKS: dict[str, tuple[str, ...]] = {
    "stack_svc_nbsvm_a0.2": ("word12_60_char12_head30x0.5_linearsvc_balanced_c2", "F_nbsvm_balanced_c2_a0.2"),
    "stack_svc_nbsvm_a0.2_title14": (
        "word12_60_char12_head30x0.5_linearsvc_balanced_c2",
        "F_nbsvm_balanced_c2_a0.2",
        "T14_linearsvc_balanced_c1_temperature",
    ),
}
# Self-training (issue 16): a vote, then the unlabelled texts it labels with at least this probability join
# each fold's train part and the vote is fitted again.
SELF_TRAINED: dict[str, tuple[str, float]] = {
    "vote_svc_nbsvm_a0.2_self0.9": ("vote_svc_nbsvm_a0.2", 0.9),
    "vote_svc_nbsvm_a0.2_self0.7": ("vote_svc_nbsvm_a0.2", 0.7),
}


# A fold: an outer CV fold, None (the whole train split against the test split), or (outer, inner) for stacking.
Fold = int | tuple[int | None, int] | None


class TrainSplit:
    """The train split's normalised texts, labels, groups, folds and cached token lists."""

    def __init__(
        self, path: Path = MESSAGES_CSV, seed: int = SEED, unlabeled_csvs: tuple[Path, ...] = UNLABELED_CSVS
    ) -> None:
        with path.open(encoding="utf-8", newline="") as fh:
            every = list(csv.DictReader(fh))
        rows = [r for r in every if r["split"] == "train"]
        self.norm = [normalize_text(f"{r['title']}\n{r['detail']}") for r in rows]
        self.n_train = len(rows)
        # Unlabelled texts follow the train rows in self.norm (indices >= n_train), so token caches cover both.
        known = {normalize_text(r["title"]) for r in every}
        for extra in unlabeled_csvs:
            if extra.exists():
                with extra.open(encoding="utf-8", newline="") as fh:
                    self.norm += [
                        normalize_text(f"{r['title']}\n{r['detail']}")
                        for r in csv.DictReader(fh)
                        if normalize_text(r["title"]) not in known
                    ]
        self.unlabeled = np.arange(self.n_train, len(self.norm))
        # The test split comes last. Only test_score() reads it, once per finalist, after the CV choice: no
        # fold, vocabulary or idf ever sees it.
        tests = [r for r in every if r["split"] == "test"]
        self.test = np.arange(len(self.norm), len(self.norm) + len(tests))
        self.norm += [normalize_text(f"{r['title']}\n{r['detail']}") for r in tests]
        self.y_test = np.array([r["label"] for r in tests])
        self.y = np.array([r["label"] for r in rows])
        self.groups = np.array([r["dup_group"] for r in rows])
        self.fidelity = np.array([r["text_fidelity"] for r in rows])
        # Each train row's title alone (for Config.title_aug) comes after the test split: indices >= self.test.
        self.titles = np.arange(len(self.norm), len(self.norm) + self.n_train)
        self.norm += [normalize_text(r["title"]) for r in rows]
        self.seed = seed
        cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
        self.folds = list(cv.split(self.norm[: self.n_train], self.y, self.groups))
        self._inner: dict[int | None, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._tokens: dict[Block, list[list[str]]] = {}
        self.matrices: dict[tuple[tuple[Block, ...], Fold, bool], tuple[csr_matrix, csr_matrix, csr_matrix]] = {}
        self.title_rows: dict[tuple[tuple[Block, ...], Fold, bool], csr_matrix] = {}
        self.outputs: dict[tuple[Config, Fold], np.ndarray] = {}  # a fitted member's test-part probabilities

    def inner_folds(self, fold: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return (and cache) 5 grouped folds of a fold's train part (positions in it), for stacking."""
        if fold not in self._inner:
            train_idx, _, _ = self.split(fold)
            cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=self.seed + 1)
            self._inner[fold] = list(cv.split(train_idx, self.y[train_idx], self.groups[train_idx]))
        return self._inner[fold]

    def split(self, fold: Fold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (train indices, test indices, test labels) of a fold; fold None: the whole train split vs test;
        fold (outer, k): the k-th inner fold of the outer fold's train part (its test part is still train rows)."""
        if isinstance(fold, tuple):
            outer, inner = fold
            outer_train, _, _ = self.split(outer)
            tr, te = self.inner_folds(outer)[inner]
            return outer_train[tr], outer_train[te], self.y[outer_train[te]]
        if fold is None:
            return np.arange(self.n_train), self.test, self.y_test
        train_idx, test_idx = self.folds[fold]
        return train_idx, test_idx, self.y[test_idx]

    def tokens(self, block: Block) -> list[list[str]]:
        """Return (and cache) every text's tokens for a block (TF-IDF options do not change the tokens)."""
        block = Block(block.kind, block.chars, block.lo, block.hi)
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


def _model(config: Config) -> Any:
    """Return the unfitted classifier of a config."""
    weight = "balanced" if config.balanced else None
    kind = config.model
    if kind == "svc":
        return LinearSVC(C=config.c, class_weight=weight, random_state=SEED)
    if kind == "lr":
        return LogisticRegression(C=config.c, class_weight=weight, max_iter=2000, random_state=SEED)
    if kind == "sgd_mh":  # alpha is SGD's regularisation strength here
        return SGDClassifier(
            loss="modified_huber", alpha=config.alpha, class_weight=weight, max_iter=50, tol=None, random_state=SEED
        )
    if kind == "cnb":
        return ComplementNB(alpha=config.alpha)
    if kind == "knn":  # 以搜代分: the labels of the nearest training messages (cosine), distance-weighted
        return KNeighborsClassifier(n_neighbors=int(config.c), metric="cosine", weights="distance", algorithm="brute")
    if kind == "nbsvm":
        return NBLinearSVC(C=config.c, alpha=config.alpha, class_weight=weight)
    base, _, method = kind.partition(":")  # "cal_svc:sigmoid", "cal_nbsvm:isotonic"
    if base in ("cal_svc", "cal_nbsvm", "cal_sgd_mh"):
        inner = _model(replace(config, model=base.removeprefix("cal_")))
        return CalibratedClassifierCV(inner, method=method, cv=3, ensemble=False)
    raise ValueError(f"unknown model {kind}")


def _features(
    data: TrainSplit, blocks: tuple[Block, ...], fold: Fold, unlabeled_idf: bool = False
) -> tuple[csr_matrix, csr_matrix, csr_matrix]:
    """Return (and cache) the train, test and unlabelled matrices of one fold: TF-IDF fitted on the fold's train
    part (plus the unlabelled texts when ``unlabeled_idf``), never on its test rows. Fold None: the whole train
    split against the test split."""
    key = (blocks, fold, unlabeled_idf)
    if key not in data.matrices:
        train_idx, test_idx, _ = data.split(fold)
        fit_idx = list(train_idx) + (list(data.unlabeled) if unlabeled_idf else [])
        parts_tr: list[csr_matrix] = []
        parts_te: list[csr_matrix] = []
        parts_un: list[csr_matrix] = []
        parts_title: list[csr_matrix] = []
        for block in blocks:
            vectorizer = TfidfVectorizer(
                analyzer=_lookup(data.tokens(block)),
                sublinear_tf=block.sublinear,
                min_df=block.min_df,
                max_df=block.max_df,
                max_features=block.max_features,
                dtype=np.float32,
            )
            vectorizer.fit(fit_idx)
            parts_tr.append(vectorizer.transform(list(train_idx)) * block.weight)
            parts_te.append(vectorizer.transform(list(test_idx)) * block.weight)
            parts_title.append(vectorizer.transform(list(data.titles[train_idx])) * block.weight)
            unlabeled = vectorizer.transform(list(data.unlabeled)) if len(data.unlabeled) else None
            width = len(vectorizer.vocabulary_)
            parts_un.append(csr_matrix((0, width), dtype=np.float32) if unlabeled is None else unlabeled * block.weight)
        data.matrices[key] = (hstack(parts_tr).tocsr(), hstack(parts_te).tocsr(), hstack(parts_un).tocsr())
        data.title_rows[key] = hstack(parts_title).tocsr()
    return data.matrices[key]


def _train_rows(data: TrainSplit, member: Config, fold: Fold) -> tuple[csr_matrix, np.ndarray]:
    """Return a member's training matrix and labels on a fold: the fold's train part, plus (title_aug) the
    title alone of each of its rows that has a detail (title_only rows are their title already)."""
    train_idx, _, _ = data.split(fold)
    x_tr = _features(data, member.blocks, fold, member.unlabeled_idf)[0]
    y_tr = data.y[train_idx]
    if not member.title_aug:
        return x_tr, y_tr
    has_detail = data.fidelity[train_idx] != "title_only"
    x_titles = data.title_rows[(member.blocks, fold, member.unlabeled_idf)][has_detail]
    return vstack([x_tr, x_titles]).tocsr(), np.concatenate([y_tr, y_tr[has_detail]])


def _ece(y_true: np.ndarray, classes: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Return the expected calibration error of the top-1 confidence (equal-width bins)."""
    conf = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == y_true
    edges = np.minimum((conf * bins).astype(int), bins - 1)
    return float(
        sum(
            abs(correct[edges == b].mean() - conf[edges == b].mean()) * (edges == b).mean()
            for b in range(bins)
            if (edges == b).any()
        )
    )


@dataclass
class Score:
    """Grouped-CV result: macro-F1 mean and std over folds, and out-of-fold probability quality if any."""

    mean: float
    std: float
    log_loss: float | None = None
    ece: float | None = None
    folds: tuple[float, ...] = ()  # per-fold macro-F1, for paired comparisons (same folds for every config)

    def __str__(self) -> str:
        extra = f"  log-loss {self.log_loss:.4f}  ECE {self.ece:.4f}" if self.log_loss is not None else ""
        return f"{self.mean:.4f} ± {self.std:.4f}{extra}"


def _member_proba(data: TrainSplit, member: Config, fold: Fold) -> np.ndarray:
    """Return (and cache) a probabilistic member's probabilities on a fold's test part, fitted on its train part."""
    if (member, fold) not in data.outputs:
        x_tr, y_tr = _train_rows(data, member, fold)
        x_te = _features(data, member.blocks, fold, member.unlabeled_idf)[1]
        data.outputs[(member, fold)] = _model(member).fit(x_tr, y_tr).predict_proba(x_te)
    return data.outputs[(member, fold)]


def _member_scores(data: TrainSplit, member: Config, fold: Fold) -> np.ndarray:
    """Return a member's class scores on a fold's test part: decision_function if it has one, else probabilities."""
    x_tr, y_tr = _train_rows(data, member, fold)
    x_te = _features(data, member.blocks, fold, member.unlabeled_idf)[1]
    model = _model(member).fit(x_tr, y_tr)
    return model.decision_function(x_te) if hasattr(model, "decision_function") else model.predict_proba(x_te)


def _stack_proba(data: TrainSplit, members: tuple[Config, ...], fold: int | None) -> np.ndarray:
    """Stacking: LogisticRegression on the members' out-of-fold class scores, nested inside the fold.

    The meta-model's training rows are the fold's train part, each scored by members fitted on the other inner
    folds of that train part (vocabulary and idf fitted there too); the fold's test part is scored by members
    fitted on the whole train part. No score the meta-model learns from was produced by a model that saw its row.
    """
    train_idx, _, _ = data.split(fold)
    n_classes = len(np.unique(data.y))
    meta_train = np.zeros((len(train_idx), n_classes * len(members)))
    for inner, (_, te) in enumerate(data.inner_folds(fold)):
        meta_train[te] = np.hstack([_member_scores(data, m, (fold, inner)) for m in members])
    meta_test = np.hstack([_member_scores(data, m, fold) for m in members])
    meta = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=SEED)
    return meta.fit(meta_train, data.y[train_idx]).predict_proba(meta_test)


def _self_trained_proba(data: TrainSplit, members: tuple[Config, ...], fold: int | None, pseudo: float) -> np.ndarray:
    """Self-training: the vote fitted on the fold's train part labels the unlabelled texts; those it gives at least
    ``pseudo`` probability join the train part and the members are fitted again."""
    classes = np.unique(data.y)
    train_idx, _, _ = data.split(fold)
    fitted = []
    for member in members:
        x_tr, x_te, x_un = _features(data, member.blocks, fold, member.unlabeled_idf)
        fitted.append((_model(member).fit(x_tr, data.y[train_idx]), x_tr, x_te, x_un))
    proba_un = np.mean([m.predict_proba(x_un) for m, _, _, x_un in fitted], axis=0)
    sure = proba_un.max(axis=1) >= pseudo
    y_plus = np.concatenate([data.y[train_idx], classes[proba_un.argmax(axis=1)][sure]])
    refitted = [
        _model(member).fit(vstack([x_tr, x_un[sure]]).tocsr(), y_plus)
        for member, (_, x_tr, _, x_un) in zip(members, fitted, strict=True)
    ]
    return np.mean([m.predict_proba(x_te) for m, (_, _, x_te, _) in zip(refitted, fitted, strict=True)], axis=0)


def _fit_predict(
    data: TrainSplit, members: tuple[Config, ...], fold: int | None, pseudo: float = 0.0, mode: str = "soft"
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Fit the members on a fold's train part and return (true labels, predictions, probability or None).

    mode "soft": the mean of the members' probabilities; "hard": the majority of their argmaxes (a tie goes to
    the tied class with the higher mean probability; the probability returned is the mean); "stack": see
    _stack_proba. A member's probabilities on a fold are kept, so a vote reuses members earlier votes fitted.
    """
    classes = np.unique(data.y)
    y_test = data.split(fold)[2]
    if pseudo > 0:
        proba = _self_trained_proba(data, members, fold, pseudo)
    elif mode == "stack":
        proba = _stack_proba(data, members, fold)
    elif len(members) == 1 and not hasattr(_model(members[0]), "predict_proba"):
        member = members[0]
        x_tr, y_tr = _train_rows(data, member, fold)
        x_te = _features(data, member.blocks, fold, member.unlabeled_idf)[1]
        return y_test, _model(member).fit(x_tr, y_tr).predict(x_te), None
    else:
        probas = [_member_proba(data, m, fold) for m in members]
        proba = np.mean(probas, axis=0)
        if mode == "hard":
            counts = sum(np.eye(len(classes))[p.argmax(axis=1)] for p in probas)
            # A mean probability is < 1, so half of it only breaks ties between equal vote counts.
            return y_test, classes[(counts + 0.5 * proba).argmax(axis=1)], proba
    return y_test, classes[proba.argmax(axis=1)], proba


def cv_score(data: TrainSplit, config: Config | tuple[Config, ...], pseudo: float = 0.0, mode: str = "soft") -> Score:
    """Score a config (or a vote / stack of several configs) over the grouped folds.

    ``pseudo`` > 0: self-training (see _self_trained_proba).
    """
    members = config if isinstance(config, tuple) else (config,)
    scores = []
    y_all: list[np.ndarray] = []
    proba_all: list[np.ndarray] = []
    classes = np.unique(data.y)
    for fold in range(len(data.folds)):
        y_true, predicted, proba = _fit_predict(data, members, fold, pseudo, mode)
        if proba is not None:
            proba_all.append(proba)
            y_all.append(y_true)
        scores.append(f1_score(y_true, predicted, average="macro"))
    result = Score(float(np.mean(scores)), float(np.std(scores)), folds=tuple(float(s) for s in scores))
    if proba_all:
        y_true, proba = np.concatenate(y_all), np.vstack(proba_all)
        result.log_loss = float(log_loss(y_true, proba, labels=classes))
        result.ece = _ece(y_true, classes, proba)
    return result


def heldout_score(
    data: TrainSplit, config: Config | tuple[Config, ...], pseudo: float = 0.0, mode: str = "soft"
) -> tuple[float, float]:
    """Fit on the whole train split, score the test split once: (macro-F1, CPU seconds of fit + predict)."""
    members = config if isinstance(config, tuple) else (config,)
    started = time.process_time()
    y_true, predicted, _ = _fit_predict(data, members, None, pseudo, mode)
    return float(f1_score(y_true, predicted, average="macro")), time.process_time() - started


@dataclass
class GapRow:
    """One finalist: grouped-CV macro-F1 on the train split, the test split's macro-F1 and their gap."""

    name: str
    cv: Score
    test: float
    cpu_seconds: float

    @property
    def gap(self) -> float:
        """Test minus CV mean: negative means the test split scored below what CV promised."""
        return self.test - self.cv.mean

    def as_dict(self) -> dict[str, float | str]:
        """Return the row as rounded JSON-ready numbers."""
        return {
            "name": self.name,
            "cv_mean": round(self.cv.mean, 4),
            "cv_std": round(self.cv.std, 4),
            "test": round(self.test, 4),
            "gap": round(self.gap, 4),
            "cpu_seconds": round(self.cpu_seconds, 1),
        }

    def __str__(self) -> str:
        return f"CV {self.cv.mean:.4f} ± {self.cv.std:.4f}  test {self.test:.4f}  gap {self.gap:+.4f}"


def pipeline_score(data: TrainSplit) -> Score:
    """Score classifier.pipeline.build_pipeline() itself, raw text in, under the same folds (an end-to-end check)."""
    scores, y_all, proba_all = [], [], []
    for train_idx, test_idx in data.folds:
        model = build_pipeline().fit([data.norm[i] for i in train_idx], data.y[train_idx])
        proba = model.predict_proba([data.norm[i] for i in test_idx])
        scores.append(f1_score(data.y[test_idx], model.classes_[proba.argmax(axis=1)], average="macro"))
        y_all.append(data.y[test_idx])
        proba_all.append(proba)
    y_true, proba = np.concatenate(y_all), np.vstack(proba_all)
    classes = np.unique(data.y)
    return Score(
        float(np.mean(scores)),
        float(np.std(scores)),
        float(log_loss(y_true, proba, labels=classes)),
        _ece(y_true, classes, proba),
        tuple(float(s) for s in scores),
    )


def _resolve(name: str) -> tuple[tuple[Config, ...], float, str]:
    """Return the member configs, the self-training threshold (0: none) and the combination mode of a name."""
    if name in SELF_TRAINED:
        vote, threshold = SELF_TRAINED[name]
        return tuple(CONFIGS[n] for n in VOTES[vote]), threshold, "soft"
    if name in VOTES:
        return tuple(CONFIGS[n] for n in VOTES[name]), 0.0, "soft"
    if name in HARD_VOTES:
        return tuple(CONFIGS[n] for n in HARD_VOTES[name]), 0.0, "hard"
    if name in STACKS:
        return tuple(CONFIGS[n] for n in STACKS[name]), 0.0, "stack"
    return (CONFIGS[name],), 0.0, "soft"


def pipeline_heldout(data: TrainSplit) -> tuple[float, float]:
    """Fit build_pipeline() on the whole train split and score the test split: (macro-F1, CPU seconds)."""
    started = time.process_time()
    model = build_pipeline().fit(data.norm[: data.n_train], data.y)
    predicted = model.predict([data.norm[i] for i in data.test])
    return float(f1_score(data.y_test, predicted, average="macro")), time.process_time() - started


def paired(score: Score, reference: Score) -> str:
    """Return the per-fold differences to a reference scored on the same folds, and how many folds it wins."""
    deltas = np.subtract(score.folds, reference.folds)
    wins = int((deltas > 0).sum())
    listed = " ".join(f"{d:+.4f}" for d in deltas)
    return f"paired Δ {deltas.mean():+.4f} ± {deltas.std():.4f} [{listed}] wins {wins}/{len(deltas)}"


def score_named(data: TrainSplit, name: str) -> Score:
    """Return the grouped-CV score of a config, vote, hard vote, stack, self-trained vote or "production"."""
    if name == "production":
        return pipeline_score(data)
    members, threshold, mode = _resolve(name)
    return cv_score(data, members, pseudo=threshold, mode=mode)


def main(names: list[str]) -> None:
    """Print one line per config, with its per-fold difference to REFERENCE (the production vote's members).

    --seed=N draws other folds (a robustness check, not the table's folds). --test: also fit on the whole train
    split and score the test split (once per finalist, after the choice), printing CV, test and the gap;
    --report=PATH writes those rows as JSON.
    """
    seeds = [int(n.removeprefix("--seed=")) for n in names if n.startswith("--seed=")]
    reports = [n.removeprefix("--report=") for n in names if n.startswith("--report=")]
    with_test = "--test" in names or bool(reports)
    names = [n for n in names if not n.startswith("--")]
    data = TrainSplit(seed=seeds[0] if seeds else SEED)
    rows: list[GapRow] = []
    reference: Score | None = None
    for name in names or [*CONFIGS, *VOTES, *HARD_VOTES, *STACKS, *SELF_TRAINED, "production"]:
        started = time.process_time()
        score = score_named(data, name)
        print(f"{name:64s} {score}  ({time.process_time() - started:.0f} s CPU)", flush=True)
        if name != REFERENCE:
            reference = reference or score_named(data, REFERENCE)  # members cached: cheap after the first vote
            print(f"{'':64s} vs {REFERENCE}: {paired(score, reference)}", flush=True)
        else:
            reference = score
            print(f"{'':64s} folds {' '.join(f'{f:.4f}' for f in score.folds)}", flush=True)
        if with_test:
            if name == "production":
                test, seconds = pipeline_heldout(data)
            else:
                members, threshold, mode = _resolve(name)
                test, seconds = heldout_score(data, members, pseudo=threshold, mode=mode)
            rows.append(GapRow(name, score, test, seconds))
            print(f"{'':64s} {rows[-1]}  (final fit + test {seconds:.0f} s CPU)", flush=True)
    for path in reports:
        Path(path).write_text(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
