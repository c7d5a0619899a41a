"""Grouped CV on the train split, the held-out test score and the gap between them (issue 16)."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from classifier.model_selection import (
    HARD_VOTES,
    STACKS,
    VOTES,
    Block,
    Config,
    GapRow,
    Score,
    TrainSplit,
    _features,
    _fit_predict,
    _train_rows,
    cv_score,
    heldout_score,
    paired,
)
from classifier.urgency_selection import precision_at_recall

_TOPICS = {
    "交通运输": "公交车出租车红绿灯地铁拥堵车站",
    "教育文体": "学校老师补课学生招生幼儿园",
    "环境保护": "污染臭气排放噪音垃圾污水",
}
SVC = Config((Block("char", 200, 1, 2),), c=1, balanced=True, model="cal_svc:temperature")
CNB = Config((Block("char", 200, 1, 2),), alpha=0.1, model="cnb")


def _messages(path: Path, n_per_class: int = 24) -> Path:
    """Write a messages.csv look-alike: three topics, duplicate pairs sharing a group, and an 80/20 split.

    Every test row also carries the character 龘, which no train row has.
    """
    rng = random.Random(3)
    rows = []
    group = 0
    for label, words in _TOPICS.items():
        for i in range(n_per_class // 2):
            text = "".join(rng.sample(words, 5)) + "小区居民反映"
            split = "test" if i % 5 == 0 else "train"
            if split == "test":
                text += "龘"
            # Every third pair has lost its detail (title_only), as 15% of messages.csv has.
            title_only = i % 3 == 2
            for _ in range(2):  # a duplicate pair: same group, same split
                rows.append(
                    {"id": str(len(rows)), "title": text[:8], "detail": "" if title_only else text, "label": label}
                )
                fidelity = "title_only" if title_only else "original"
                rows[-1].update(time="", text_fidelity=fidelity, dup_group=str(group), split=split)
            group += 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def split(tmp_path: Path) -> TrainSplit:
    return TrainSplit(_messages(tmp_path / "messages.csv"), unlabeled_csvs=())


def test_folds_never_hold_test_rows_and_keep_groups_together(split: TrainSplit) -> None:
    assert len(split.test) == len(split.y_test) > 0
    assert split.test.min() >= split.n_train
    for train_idx, test_idx in split.folds:
        assert max(train_idx.max(), test_idx.max()) < split.n_train
    # The held-out split: the whole train split against the test rows.
    train_idx, test_idx, y_test = split.split(None)
    assert list(train_idx) == list(range(split.n_train))
    assert list(test_idx) == list(split.test)
    assert list(y_test) == list(split.y_test)


def test_heldout_vocabulary_comes_from_the_train_split_only(split: TrainSplit) -> None:
    blocks = (Block("char", 200, 1, 1),)
    x_train, x_test, _ = _features(split, blocks, None)
    assert x_train.shape[0] == split.n_train and x_test.shape[0] == len(split.test)
    # 龘 occurs only in test rows, so no column exists for it: every test row keeps the norm of its other chars.
    only_in_test = x_test.multiply(x_test).sum(axis=1).A.ravel()
    assert np.allclose(only_in_test, 1.0, atol=1e-5)
    assert all("龘" not in split.norm[i] for i in range(split.n_train))


def test_gap_row_reports_test_minus_cv(split: TrainSplit) -> None:
    cv = cv_score(split, SVC)
    test, seconds = heldout_score(split, SVC)
    row = GapRow("svc", cv, test, seconds)
    assert 0.0 <= cv.mean <= 1.0 and 0.0 <= test <= 1.0
    assert row.gap == pytest.approx(test - cv.mean)
    saved = json.loads(json.dumps(row.as_dict()))
    assert set(saved) == {"name", "cv_mean", "cv_std", "test", "gap", "cpu_seconds"}
    assert saved["gap"] == pytest.approx(round(test - cv.mean, 4), abs=1e-4)
    assert "gap" in str(row)


def test_vote_reuses_members_fitted_by_earlier_votes(split: TrainSplit, tmp_path: Path) -> None:
    # Members scored first (their fold outputs cached), then the vote: same figure as a fresh vote.
    cv_score(split, SVC)
    cv_score(split, CNB)
    cached = cv_score(split, (SVC, CNB))
    fresh = cv_score(TrainSplit(_messages(tmp_path / "again.csv"), unlabeled_csvs=()), (SVC, CNB))
    assert cached.mean == pytest.approx(fresh.mean)
    assert cached.log_loss == pytest.approx(fresh.log_loss)


def test_issue16_candidate_votes_are_declared() -> None:
    for name in ("vote_svc_nbsvm_a0.2_sgd", "vote_svc_nbsvm_a0.2_cnb", "vote_svc_nbsvm_a0.2_title14"):
        assert VOTES[name][:2] == VOTES["vote_svc_nbsvm_a0.2"]


def test_precision_at_recall_picks_the_lowest_threshold_that_reaches_it() -> None:
    y = np.array([True, True, False, True, False, False])
    score = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    precision, threshold = precision_at_recall(y, score, 0.95)
    assert threshold == pytest.approx(0.3)  # all three positives must be flagged
    assert precision == pytest.approx(3 / 4)
    precision, threshold = precision_at_recall(y, score, 0.6)
    assert threshold == pytest.approx(0.8) and precision == pytest.approx(1.0)


def test_score_prints_mean_and_std() -> None:
    assert str(Score(0.9, 0.01)) == "0.9000 ± 0.0100"


def test_title_aug_adds_the_title_of_each_row_that_has_a_detail(split: TrainSplit) -> None:
    plain = replace(SVC, blocks=(Block("char", 200, 1, 1),))
    x_plain, y_plain = _train_rows(split, plain, 0)
    x_aug, y_aug = _train_rows(split, replace(plain, title_aug=True), 0)
    train_idx = split.folds[0][0]
    has_detail = split.fidelity[train_idx] != "title_only"
    assert 0 < has_detail.sum() < len(train_idx)
    assert x_aug.shape == (x_plain.shape[0] + has_detail.sum(), x_plain.shape[1])
    assert list(y_aug) == [*y_plain, *y_plain[has_detail]]
    # The added rows are the titles: each is the TF-IDF of the 8-character title, not of the whole text.
    first_title = split.norm[split.titles[train_idx[has_detail][0]]]
    assert first_title == split.norm[train_idx[has_detail][0]][:8]
    assert x_aug[x_plain.shape[0]].nnz == len(set(first_title))


def test_hard_vote_takes_the_majority_and_breaks_ties_by_mean_probability(split: TrainSplit) -> None:
    members = tuple(replace(SVC, c=c) for c in (1.0, 2.0, 3.0))
    n = len(split.folds[0][1])
    classes = np.unique(split.y)
    # Two members say class 0 weakly, one says class 1 very surely: soft picks 1, hard picks 0.
    weak0 = np.tile([0.4, 0.3, 0.3], (n, 1))
    sure1 = np.tile([0.0, 1.0, 0.0], (n, 1))
    for member, proba in zip(members, (weak0, weak0, sure1), strict=True):
        split.outputs[(member, 0)] = proba
    assert set(_fit_predict(split, members, 0, mode="soft")[1]) == {classes[1]}
    assert set(_fit_predict(split, members, 0, mode="hard")[1]) == {classes[0]}
    # One vote each (0, 1, 2): the tie goes to the class with the highest mean probability (1: 0.55).
    split.outputs[(members[1], 0)] = np.tile([0.0, 0.9, 0.1], (n, 1))
    split.outputs[(members[2], 0)] = np.tile([0.0, 0.45, 0.55], (n, 1))
    assert set(_fit_predict(split, members, 0, mode="hard")[1]) == {classes[1]}


def test_stacking_nests_its_inner_folds_inside_the_outer_train_part(split: TrainSplit) -> None:
    train_idx, test_idx = split.folds[0]
    inner = split.inner_folds(0)
    covered = np.sort(np.concatenate([te for _, te in inner]))
    assert list(covered) == list(range(len(train_idx)))  # every outer-train row scored once, out of fold
    for k in range(len(inner)):
        tr, te, _ = split.split((0, k))
        assert not set(tr) & set(te) and not (set(tr) | set(te)) & set(test_idx)
        assert not set(split.groups[tr]) & set(split.groups[te])  # duplicates stay on one side
    stacked = cv_score(split, (replace(SVC, model="svc"), CNB), mode="stack")
    assert len(stacked.folds) == 5 and 0.0 <= stacked.mean <= 1.0


def test_paired_reports_per_fold_differences() -> None:
    line = paired(Score(0.9, 0.0, folds=(0.91, 0.90, 0.92)), Score(0.9, 0.0, folds=(0.90, 0.90, 0.90)))
    assert "+0.0100 +0.0000 +0.0200" in line and "wins 2/3" in line


def test_issue16_part4_names_resolve_to_declared_configs() -> None:
    from classifier.model_selection import CONFIGS

    for members in [*HARD_VOTES.values(), *STACKS.values(), *VOTES.values()]:
        assert all(m in CONFIGS for m in members)
