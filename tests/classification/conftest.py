"""A small real model trained once per test session (a subset of the real messages, for speed)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("HOTLINE_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data")


def _every_nth_row(out: Path, nth: int) -> Path:
    """Write every ``nth`` row of messages.csv to ``out``, keeping the split column."""
    with (DATA / "messages.csv").open(encoding="utf-8") as src, out.open("w", encoding="utf-8", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
        writer.writeheader()
        for i, row in enumerate(reader):
            if i % nth == 0:
                writer.writerow(row)
    return out


@pytest.fixture(scope="session")
def small_csv(tmp_path_factory) -> Path:
    return _every_nth_row(tmp_path_factory.mktemp("data") / "messages-small.csv", 8)


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory) -> Path:
    return _every_nth_row(tmp_path_factory.mktemp("data") / "messages-tiny.csv", 25)


@pytest.fixture(scope="session")
def small_model_dir(app, small_csv) -> Path:
    """Train the small model into the app's models directory once."""
    from classifier.artefacts import save_model
    from classifier.dataset import load_dataset
    from classifier.evaluate import evaluate
    from classifier.train import train

    data = load_dataset(small_csv, ["title", "detail"], "label")
    train_x, train_y = data.subset("train")
    test_x, test_y = data.subset("test")
    model = train(train_x, train_y)
    result = evaluate(model.pipeline, test_x, test_y, model.threshold)
    return save_model(
        model,
        Path(app.config["HOTLINE_MODELS_DIR"]) / "small",
        scores={"accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "n": result["n"]},
    )


@pytest.fixture
def active_model(app, small_model_dir) -> str:
    """Register and activate the small model; return its version."""
    from hotline.classification.services import PREDICTOR_CACHE, promote, register_version
    from hotline.core.extensions import db

    with app.app_context():
        row = register_version(db.session, Path(app.config["HOTLINE_MODELS_DIR"]), small_model_dir)
        promote(db.session, row, force=True)
        db.session.commit()
        version = row.version
        PREDICTOR_CACHE.get(app).forget()
        db.session.remove()
    return version
