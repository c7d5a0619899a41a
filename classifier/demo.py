"""Train, evaluate and save the demo model from the competition's messages.csv."""

from __future__ import annotations

from pathlib import Path

from classifier.artefacts import save_model
from classifier.dataset import load_dataset
from classifier.evaluate import evaluate, write_evaluation
from classifier.train import train

TEXT_COLUMNS = ["title", "detail"]
LABEL_COLUMN = "label"


def train_demo_model(data_csv: Path, out_dir: Path) -> Path:
    """Train on split==train (title+detail), evaluate on split==test, write the model dir; return it."""
    data = load_dataset(data_csv, TEXT_COLUMNS, LABEL_COLUMN)
    train_x, train_y = data.subset("train")
    test_x, test_y = data.subset("test")
    model = train(train_x, train_y)
    result = evaluate(model.pipeline, test_x, test_y, model.threshold)
    result["evaluated_on"] = "split == test"
    scores = {"accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "n": result["n"], "on": "split == test"}
    directory = save_model(model, out_dir, scores=scores)
    write_evaluation(result, directory)
    return directory
