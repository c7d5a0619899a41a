"""Fixtures for the classifier tests: small CSVs, a real-data subset and one trained model dir."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from classifier.artefacts import save_model
from classifier.train import TrainedModel, train

MESSAGES_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "messages.csv"

# Each class has its own vocabulary so a correct model must separate them; filler words are shared.
_TOPICS = {
    "交通": ["公交车", "出租车", "红绿灯", "地铁", "拥堵", "车站"],
    "教育": ["学校", "老师", "补课", "学生", "招生", "幼儿园"],
    "环境": ["污染", "臭气", "排放", "噪音", "垃圾", "污水"],
}
_FILLER = ["小区", "居民", "反映", "问题", "希望", "处理", "A市", "附近"]


def make_rows(n_per_class: int, seed: int) -> list[dict[str, str]]:
    """Generate labelled synthetic rows with topic words mixed into shared filler."""
    rng = random.Random(seed)
    rows = []
    for label, words in _TOPICS.items():
        for _ in range(n_per_class):
            body = rng.sample(words, 3) + rng.sample(_FILLER, 4)
            rng.shuffle(body)
            rows.append({"title": f"{rng.choice(words)}的问题", "body": "".join(body), "cat": label})
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    """Write rows as a CSV file with the given encoding."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    """Return a 3-class synthetic CSV with a BOM and no split column."""
    return write_csv(tmp_path / "small.csv", make_rows(20, seed=1), encoding="utf-8-sig")


@pytest.fixture(scope="session")
def real_subset() -> dict[str, list[str]]:
    """Return 80 train and 30 test messages per class from the real data, deterministically."""
    with MESSAGES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, list[str]] = {"train_x": [], "train_y": [], "test_x": [], "test_y": []}
    counts: dict[tuple[str, str], int] = {}
    quota = {"train": 80, "test": 30}
    for row in rows:
        key = (row["split"], row["label"])
        if counts.get(key, 0) >= quota[row["split"]]:
            continue
        counts[key] = counts.get(key, 0) + 1
        part = "train" if row["split"] == "train" else "test"
        out[f"{part}_x"].append(f"{row['title']}\n{row['detail']}")
        out[f"{part}_y"].append(row["label"])
    return out


@pytest.fixture(scope="session")
def real_model(real_subset: dict[str, list[str]]) -> TrainedModel:
    """Train once on the real subset for every test that needs a fitted model."""
    return train(real_subset["train_x"], real_subset["train_y"])


@pytest.fixture
def models_root(tmp_path: Path) -> Path:
    """Return an empty models root directory."""
    root = tmp_path / "models"
    root.mkdir()
    return root


@pytest.fixture
def saved_model(real_model: TrainedModel, models_root: Path) -> Path:
    """Save the session model into a fresh models root and return its directory."""
    return save_model(real_model, models_root / "v1", scores={"macro_f1": 0.0})
