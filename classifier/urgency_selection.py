"""Can a learned model beat the urgency and kind rules on the hand-labelled sample? Out-of-fold figures.

    python -m classifier.urgency_selection

messages.csv has no 诉求类型 or urgency column; the only labels are the 365 hand-labelled rows of
data/kind_urgency_sample.csv (10 urgent, 27 help, 3 praise). Scores here are out-of-fold: repeated stratified
5-fold CV (10 seeds), every model fitted on the other folds only. For urgency, the operating point is the
precision at recall >= 0.95, with the threshold read from the out-of-fold scores (with 10 positives, recall
>= 0.95 means all 10 must be caught, so the threshold is the lowest positive's out-of-fold score).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from classifier.model_selection import MESSAGES_CSV
from classifier.pipeline import SEED
from classifier.rules import SAMPLE_PATH, URGENCY_RULES, URGENT, classify_kind, classify_urgency
from classifier.tokenize import normalize_text

SEEDS = range(10)
MIN_RECALL = 0.95


def load_sample(messages_csv: Path = MESSAGES_CSV, sample_csv: Path = SAMPLE_PATH) -> list[dict[str, str]]:
    """Return the sample rows with their message text ("title\\ndetail") added."""
    with messages_csv.open(encoding="utf-8", newline="") as fh:
        texts = {r["id"]: f"{r['title']}\n{r['detail']}" for r in csv.DictReader(fh)}
    with sample_csv.open(encoding="utf-8", newline="") as fh:
        return [{**row, "text": texts[row["id"]]} for row in csv.DictReader(fh)]


def rule_hits(texts: list[str]) -> csr_matrix:
    """Return one 0/1 column per urgency rule: whether its pattern occurs in the text."""
    rows = [[1.0 if rule.pattern.search(normalize_text(t)) else 0.0 for rule in URGENCY_RULES] for t in texts]
    return csr_matrix(np.asarray(rows, dtype=np.float32))


def precision_at_recall(y: np.ndarray, score: np.ndarray, min_recall: float = MIN_RECALL) -> tuple[float, float]:
    """Return (precision, threshold) at the highest threshold whose recall is at least min_recall."""
    positives = np.sort(score[y])[::-1]
    need = int(np.ceil(min_recall * len(positives)))
    threshold = float(positives[need - 1])
    flagged = score >= threshold
    return float(y[flagged].mean()), threshold


def _oof_urgency(texts: list[str], y: np.ndarray, seed: int, with_text: bool) -> np.ndarray:
    """Return out-of-fold urgent probabilities of LR on the rule hits (+ title/body char n-grams)."""
    score = np.zeros(len(texts))
    hits = rule_hits(texts)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED + seed).split(texts, y):
        parts_tr, parts_te = [hits[train]], [hits[test]]
        if with_text:
            vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2)
            parts_tr.append(vec.fit_transform([normalize_text(texts[i])[:400] for i in train]))
            parts_te.append(vec.transform([normalize_text(texts[i])[:400] for i in test]))
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        model.fit(hstack(parts_tr).tocsr(), y[train])
        score[test] = model.predict_proba(hstack(parts_te).tocsr())[:, 1]
    return score


def urgency_report(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Compare the rules with learned urgency scores at recall >= 0.95, out of fold."""
    texts = [r["text"] for r in rows]
    y = np.array([r["urgency"] == URGENT for r in rows])
    rule = np.array([classify_urgency(t).label == URGENT for t in texts])
    report: dict[str, Any] = {
        "n": len(rows),
        "urgent": int(y.sum()),
        "rules": {
            "flagged": int(rule.sum()),
            "precision": round(float(y[rule].mean()), 4),
            "recall": round(float(rule[y].mean()), 4),
        },
    }
    for name, with_text in (("lr_rule_hits", False), ("lr_rule_hits_char23", True)):
        precisions = [precision_at_recall(y, _oof_urgency(texts, y, seed, with_text))[0] for seed in SEEDS]
        report[name] = {
            "precision_at_recall_0.95_mean": round(float(np.mean(precisions)), 4),
            "std": round(float(np.std(precisions)), 4),
        }
    return report


def kind_report(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Return the kind rules' accuracy / macro-F1 beside LR on char n-grams (+ the rule label), out of fold."""
    texts = [normalize_text(r["text"])[:400] for r in rows]
    y = np.array([r["kind"] for r in rows])
    rule = np.array([classify_kind(r["text"]).label for r in rows])
    present = sorted(set(y))
    out: dict[str, Any] = {
        "rules": {
            "accuracy": round(float(accuracy_score(y, rule)), 4),
            "macro_f1": round(float(f1_score(y, rule, labels=present, average="macro", zero_division=0)), 4),
        }
    }
    kinds = sorted(set(y) | set(rule))
    onehot = csr_matrix(np.asarray([[1.0 if k == r else 0.0 for k in kinds] for r in rule], dtype=np.float32))
    for name, with_rule in (("lr_char13", False), ("lr_char13_plus_rule", True)):
        accs, f1s = [], []
        for seed in SEEDS:
            predicted = np.empty(len(y), dtype=object)
            # 3 praise rows: 3 folds is the most that keeps every class in every training part.
            for train, test in StratifiedKFold(3, shuffle=True, random_state=SEED + seed).split(texts, y):
                vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
                x_tr = vec.fit_transform([texts[i] for i in train])
                x_te = vec.transform([texts[i] for i in test])
                if with_rule:
                    x_tr, x_te = hstack([x_tr, onehot[train]]).tocsr(), hstack([x_te, onehot[test]]).tocsr()
                model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000).fit(x_tr, y[train])
                predicted[test] = model.predict(x_te)
            accs.append(accuracy_score(y, predicted.astype(str)))
            f1s.append(f1_score(y, predicted.astype(str), labels=present, average="macro", zero_division=0))
        out[name] = {"accuracy": round(float(np.mean(accs)), 4), "macro_f1": round(float(np.mean(f1s)), 4)}
    return out


def main() -> None:
    """Print the kind and urgency comparisons."""
    rows = load_sample()
    print("kind   ", kind_report(rows))
    print("urgency", urgency_report(rows))


if __name__ == "__main__":
    main()
